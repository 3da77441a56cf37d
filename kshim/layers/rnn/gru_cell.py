"""``GRUCell``: one step of a gated recurrent unit layer."""

from __future__ import annotations

import torch

from kshim import activations
from kshim.layers.rnn import fused_ops
from kshim.layers.rnn.base_rnn_cell import BaseRNNCell
from kshim.saving.object_registration import keras_export


@keras_export("keras.layers.GRUCell")
class GRUCell(BaseRNNCell):
    """Cell class for the GRU layer: one time step of ``GRU``.

    Weights have Keras' layouts: ``kernel`` ``(input_dim, 3 * units)`` and
    ``recurrent_kernel`` ``(units, 3 * units)`` with gate blocks update (z), reset (r),
    candidate (h); ``bias`` is ``(2, 3 * units)`` (input and recurrent biases) when
    ``reset_after`` else ``(3 * units,)``. torch's GRU orders its gates r, z, n: the fused
    kernel gets the blocks reordered on the fly.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation of the candidate state (``"tanh"``).
        recurrent_activation: Activation of the gates (``"sigmoid"``).
        use_bias: Whether the layer uses a bias vector.
        kernel_initializer: Initializer of ``kernel`` (``"glorot_uniform"``).
        recurrent_initializer: Initializer of ``recurrent_kernel`` (``"orthogonal"``).
        bias_initializer: Initializer of ``bias`` (``"zeros"``).
        kernel_regularizer: Regularizer of ``kernel``.
        recurrent_regularizer: Regularizer of ``recurrent_kernel``.
        bias_regularizer: Regularizer of ``bias``.
        kernel_constraint: Constraint of ``kernel``.
        recurrent_constraint: Constraint of ``recurrent_kernel``.
        bias_constraint: Constraint of ``bias``.
        dropout: Float in ``[0, 1]``, fraction of the inputs to drop.
        recurrent_dropout: Float in ``[0, 1]``, fraction of the recurrent state to drop.
        reset_after: Apply the reset gate after the recurrent matmul (``True``, torch's
            and cuDNN's convention) or before it (``False``).
        seed: Random seed for dropout.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Input shape:
        ``inputs``: ``(batch_size, input_dim)``; ``states``: ``(batch_size, units)`` or
        a list holding it.

    Output shape:
        ``(output, new_state)``, ``(batch_size, units)`` each (``new_state`` a list when
        ``states`` was one).

    >>> import torch
    >>> cell = GRUCell(4)
    >>> h, [h2] = cell(torch.ones(2, 3), [torch.zeros(2, 4)])
    >>> tuple(h.shape), [tuple(w.shape) for w in cell.weights]
    ((2, 4), [(3, 12), (4, 12), (2, 12)])
    """

    _gates = 3

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        reset_after=True,
        seed=None,
        **kwargs,
    ):
        implementation = kwargs.pop("implementation", 2)
        super().__init__(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            **kwargs,
        )
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self._masks_per_gate = self.implementation == 1
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        units = self.units
        bias_shape = (2, 3 * units) if self.reset_after else (3 * units,)
        self._add_kernels(input_shape[-1], bias_shape)

    def _input_bias(self):
        bias = self.bias
        if bias is None or not self.reset_after:
            return bias
        return bias[0]

    def _step(self, xp_t, states, rdp):
        h = states[0]
        units = self.units
        rkernel = self.recurrent_kernel
        ract, act = self.recurrent_activation, self.activation
        xz, xr, xh = xp_t.split(units, 1)
        if self.reset_after:
            inner = self._project_state(h, rdp)
            if self.bias is not None:
                inner = inner + self.bias[1]
            hz, hr, hh = inner.split(units, 1)
            z = ract(xz + hz)
            r = ract(xr + hr)
            cand = act(xh + r * hh)
        else:
            if rdp is None:
                inner = torch.mm(h, rkernel[:, : 2 * units])
                hz, hr = inner.split(units, 1)
                h_h = h
            else:  # recurrent dropout draws one mask per gate (implementation 1)
                inner = self._project_state(h, rdp[:2], rkernel[:, : 2 * units])
                h_h = h * rdp[2]
                hz, hr = inner.split(units, 1)
            z = ract(xz + hz)
            r = ract(xr + hr)
            cand = act(xh + torch.mm(r * h_h, rkernel[:, 2 * units :]))
        h = z * h + (1 - z) * cand
        return h, [h]

    def _fused_ok(self):
        return self._tanh_sigmoid and self.reset_after

    def _torch_params(self):
        # Keras z, r, h gate blocks -> torch r, z, n: the blocks are swapped along the
        # kernels' (contiguous) gate axis, then transposed to torch's (3 * units, in)
        # view. Two block copies; faster than an index_select of rows.
        params = [_torch_gates(self.kernel).t(), _torch_gates(self.recurrent_kernel).t()]
        if self.bias is not None:
            b = _torch_gates(self.bias)
            params += [b[0], b[1]]
        return params

    def _fused(self, x, states, padding):
        bias = self.bias
        params = self._fused_params()
        out, h = fused_ops.rnn("gru", x, states[0].unsqueeze(0), params, bias is not None)
        return out, [h.squeeze(0)]

    def get_config(self):
        return {
            **super().get_config(),
            **self._base_cell_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }


def _torch_gates(w):
    """``w`` with its last axis' gate blocks in torch's order (Keras z, r, h -> r, z, h)."""
    z, r, h = w.chunk(3, -1)
    return torch.cat([r, z, h], -1)
