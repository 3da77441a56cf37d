"""``SimpleRNNCell``: one step of a fully-connected recurrent layer."""

from __future__ import annotations

import torch

from kshim import activations
from kshim.layers.rnn import fused_ops
from kshim.layers.rnn.base_rnn_cell import BaseRNNCell
from kshim.saving.object_registration import keras_export


@keras_export("keras.layers.SimpleRNNCell")
class SimpleRNNCell(BaseRNNCell):
    """Cell class for SimpleRNN: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation function (``"tanh"``); ``None`` means linear.
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
        seed: Random seed for dropout.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Input shape:
        ``inputs``: ``(batch_size, input_dim)``; ``states``: ``(batch_size, units)`` or
        a list holding it.

    Output shape:
        ``(output, new_state)``, ``(batch_size, units)`` each.

    >>> import torch
    >>> cell = SimpleRNNCell(4)
    >>> out, [h] = cell(torch.ones(2, 3), [torch.zeros(2, 4)])
    >>> tuple(out.shape), [tuple(w.shape) for w in cell.weights]
    ((2, 4), [(3, 4), (4, 4), (4,)])
    """

    def __init__(
        self,
        units,
        activation="tanh",
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
        seed=None,
        **kwargs,
    ):
        super().__init__(
            units,
            activation=activation,
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
        self.state_size = self.units
        self.output_size = self.units
        # torch has fused tanh and relu recurrences.
        self._fused_relu = self.activation is activations.relu
        self._fused_possible = self._fused_relu or self.activation is activations.tanh

    def build(self, input_shape):
        self._add_kernels(input_shape[-1], (self.units,))
        self.register_buffer(
            "_zero_bias",
            torch.zeros(self.units, dtype=self.kernel.dtype, device=self.kernel.device),
            False,
        )

    # Keras' SimpleRNNCell drops for any rate > 0 (its LSTM/GRU cells need rate < 1).
    def _input_dropout_on(self, training, keras_fused=False):
        return bool(training) and self.dropout > 0

    def _recurrent_dropout_on(self, training):
        return bool(training) and self.recurrent_dropout > 0

    def _step(self, xp_t, states, rdp):
        h = states[0]
        if rdp is not None:
            h = h * rdp
        out = self.activation(torch.addmm(xp_t, h, self.recurrent_kernel))
        return out, [out]

    def _fused_ok(self):
        return self._fused_possible

    def _torch_params(self):
        params = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, self._zero_bias]
        return params

    def _fused(self, x, states, padding):
        bias = self.bias
        params = self._fused_params()
        kind = "rnn_relu" if self._fused_relu else "rnn_tanh"
        out, h = fused_ops.rnn(kind, x, states[0].unsqueeze(0), params, bias is not None)
        return out, [h.squeeze(0)]

    def get_config(self):
        return {**super().get_config(), **self._base_cell_config()}
