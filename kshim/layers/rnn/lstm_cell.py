"""``LSTMCell``: one step of a long short-term memory layer."""

from __future__ import annotations

import torch

from kshim import activations, initializers
from kshim.layers.rnn import fused_ops
from kshim.layers.rnn.base_rnn_cell import BaseRNNCell
from kshim.saving.object_registration import keras_export


@keras_export("keras.layers.LSTMCell")
class LSTMCell(BaseRNNCell):
    """Cell class for the LSTM layer: one time step of ``LSTM``.

    Weights have Keras' layouts: ``kernel`` ``(input_dim, 4 * units)``,
    ``recurrent_kernel`` ``(units, 4 * units)`` and ``bias`` ``(4 * units,)``, gate blocks
    in the order input, forget, cell, output (torch's ``nn.LSTM`` order too).

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation of the cell candidate and output (``"tanh"``).
        recurrent_activation: Activation of the gates (``"sigmoid"``).
        use_bias: Whether the layer uses a bias vector.
        kernel_initializer: Initializer of ``kernel`` (``"glorot_uniform"``).
        recurrent_initializer: Initializer of ``recurrent_kernel`` (``"orthogonal"``).
        bias_initializer: Initializer of ``bias`` (``"zeros"``).
        unit_forget_bias: Add 1 to the forget gate's bias at initialization (and use
            ``bias_initializer`` for the other gates).
        kernel_regularizer: Regularizer of ``kernel``.
        recurrent_regularizer: Regularizer of ``recurrent_kernel``.
        bias_regularizer: Regularizer of ``bias``.
        kernel_constraint: Constraint of ``kernel``.
        recurrent_constraint: Constraint of ``recurrent_kernel``.
        bias_constraint: Constraint of ``bias``.
        dropout: Float in ``[0, 1]``, fraction of the inputs to drop.
        recurrent_dropout: Float in ``[0, 1]``, fraction of the recurrent state to drop.
        seed: Random seed for dropout.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Input shape:
        ``inputs``: ``(batch_size, input_dim)``; ``states``: ``[h, c]``, each
        ``(batch_size, units)``.

    Output shape:
        ``(output, [h, c])``, each ``(batch_size, units)``; ``output`` is ``h``.

    >>> import torch
    >>> cell = LSTMCell(4)
    >>> h, (h2, c) = cell(torch.ones(2, 3), [torch.zeros(2, 4), torch.zeros(2, 4)])
    >>> tuple(h.shape), tuple(c.shape), [tuple(w.shape) for w in cell.weights]
    ((2, 4), (2, 4), [(3, 16), (4, 16), (16,)])
    """

    _gates = 4

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
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
        # Keras' implementation 1 (forced by recurrent dropout) draws a mask per gate.
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self._masks_per_gate = self.implementation == 1
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        units = self.units
        bias_init = None
        if self.use_bias and self.unit_forget_bias:
            base = self.bias_initializer
            ones = initializers.get("ones")

            def bias_init(shape, dtype=None):
                return torch.cat(
                    [
                        torch.as_tensor(base((units,), dtype=dtype)),
                        torch.as_tensor(ones((units,), dtype=dtype)),
                        torch.as_tensor(base((units * 2,), dtype=dtype)),
                    ]
                )

        self._add_kernels(input_shape[-1], (4 * units,), bias_init)
        # torch's kernels take two biases; the recurrent one is zero here.
        dtype = self.kernel.dtype
        self.register_buffer(
            "_zero_bias", torch.zeros(4 * units, dtype=dtype, device=self.kernel.device), False
        )

    def _step(self, xp_t, states, rdp):
        h, c = states[0], states[1]
        z = (
            xp_t + self._project_state(h, rdp)
            if rdp is not None
            else torch.addmm(xp_t, h, self.recurrent_kernel)
        )
        zi, zf, zc, zo = z.chunk(4, 1)
        ract, act = self.recurrent_activation, self.activation
        c = ract(zf) * c + ract(zi) * act(zc)
        h = ract(zo) * act(c)
        return h, [h, c]

    def _pack_states(self, new_states, nested):
        return new_states

    def _fused_runtime_ok(self, x):
        # Under torch.compile with autograd, aten.lstm decomposes to mkldnn_rnn_layer,
        # whose compiled backward fails (torch 2.13: "expected all
        # tensors_saved_with_vc_check to be Tensors"); the loop path compiles cleanly.
        return not (torch.compiler.is_compiling() and torch.is_grad_enabled())

    def _torch_params(self, kernel=None):
        kernel = self.kernel if kernel is None else kernel
        params = [kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, self._zero_bias]
        return params

    def _fused(self, x, states, padding):
        bias = self.bias
        if padding is None:
            params = self._fused_params()
        else:
            # Freeze the carry on padded steps: an extra input column, 1 on those steps,
            # drives the input gate to 0 and the forget gate to 1 (exactly, saturated).
            kernel = self.kernel
            big = torch.finfo(x.dtype).max / 8
            units = self.units
            row = torch.zeros((1, 4 * units), dtype=kernel.dtype, device=kernel.device)
            row[:, :units] = -big
            row[:, units : 2 * units] = big
            params = self._torch_params(torch.cat([kernel, row], 0))
            x = torch.cat([x, padding.unsqueeze(-1).to(x.dtype)], -1)
        out, h, c = fused_ops.lstm(
            x, states[0].unsqueeze(0), states[1].unsqueeze(0), params, bias is not None
        )
        return out, [h.squeeze(0), c.squeeze(0)]

    def get_config(self):
        return {
            **super().get_config(),
            **self._base_cell_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }
