"""``LSTM``: the long short-term memory layer (Hochreiter 1997)."""

from __future__ import annotations

from kshim import regularizers
from kshim.layers.input_spec import InputSpec
from kshim.layers.rnn.lstm_cell import LSTMCell
from kshim.layers.rnn.rnn import RNN, forward_cell_attributes, use_cudnn_property
from kshim.saving.object_registration import keras_export


@keras_export("keras.layers.LSTM")
@forward_cell_attributes("recurrent_activation", "unit_forget_bias")
class LSTM(RNN):
    """Long Short-Term Memory layer: an ``RNN`` of one ``LSTMCell`` (``layer.cell``).

    Runs torch's fused LSTM kernel (``torch._VF.lstm``, weights rearranged on the fly
    from Keras' layouts) when ``activation="tanh"``, ``recurrent_activation="sigmoid"``,
    recurrent dropout is off, ``unroll=False`` and there is no mask or a mask whose valid
    steps are one block per row (right-padded); otherwise a loop over time steps that
    ``torch.compile`` unrolls. Weights: ``kernel`` ``(input_dim, 4 * units)``,
    ``recurrent_kernel`` ``(units, 4 * units)``, ``bias`` ``(4 * units,)``, gates i, f, c, o.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation of the cell candidate and output (``"tanh"``).
        recurrent_activation: Activation of the gates (``"sigmoid"``).
        use_bias: Whether the layer uses a bias vector.
        kernel_initializer: Initializer of ``kernel`` (``"glorot_uniform"``).
        recurrent_initializer: Initializer of ``recurrent_kernel`` (``"orthogonal"``).
        bias_initializer: Initializer of ``bias`` (``"zeros"``).
        unit_forget_bias: Add 1 to the forget gate's bias at initialization.
        kernel_regularizer: Regularizer of ``kernel``.
        recurrent_regularizer: Regularizer of ``recurrent_kernel``.
        bias_regularizer: Regularizer of ``bias``.
        activity_regularizer: Regularizer of the output.
        kernel_constraint: Constraint of ``kernel``.
        recurrent_constraint: Constraint of ``recurrent_kernel``.
        bias_constraint: Constraint of ``bias``.
        dropout: Float in ``[0, 1]``, fraction of the inputs to drop.
        recurrent_dropout: Float in ``[0, 1]``, fraction of the recurrent state to drop.
        seed: Random seed for dropout.
        return_sequences: Return every step's output instead of the last one.
        return_state: Also return the final states ``h`` and ``c``.
        go_backwards: Process the sequence backwards.
        stateful: Carry the last states over to the next batch.
        unroll: Accepted for Keras compatibility (turns the fused kernel off).
        use_cudnn: ``"auto"``, ``True`` or ``False``; ``False`` turns torch's fused
            kernel off, the others allow it (on any device).
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        ``(batch_size, timesteps, units)`` with ``return_sequences`` else
        ``(batch_size, units)``; with ``return_state``, followed by ``h`` and ``c``.

    >>> import torch
    >>> layer = LSTM(4, return_sequences=True)
    >>> tuple(layer(torch.ones(2, 5, 3)).shape)
    (2, 5, 4)
    >>> [w.name for w in layer.weights], list(layer.state_dict())
    (['kernel', 'recurrent_kernel', 'bias'], ['cell.kernel', 'cell.recurrent_kernel', 'cell.bias'])
    """

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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        use_cudnn="auto",
        **kwargs,
    ):
        cell = LSTMCell(
            units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias,
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
            dtype=kwargs.get("dtype", None),
            trainable=kwargs.get("trainable", True),
            name="lstm_cell",
            seed=seed,
            implementation=kwargs.pop("implementation", 2),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=3)
        self._keras_fused_possible = bool(not cell.recurrent_dropout)
        self.use_cudnn = use_cudnn

    use_cudnn = use_cudnn_property

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        return {
            **config,
            **self.cell.get_config(),
            **{k: config[k] for k in ("name", "trainable", "dtype")},
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
