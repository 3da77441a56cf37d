"""``SimpleRNN``: a fully-connected recurrent layer."""

from __future__ import annotations

from kshim.layers.input_spec import InputSpec
from kshim.layers.rnn.rnn import RNN, forward_cell_attributes
from kshim.layers.rnn.simple_rnn_cell import SimpleRNNCell
from kshim.saving.object_registration import keras_export


@keras_export("keras.layers.SimpleRNN")
@forward_cell_attributes()
class SimpleRNN(RNN):
    """Fully-connected RNN whose output is fed back as its next input: an ``RNN`` of one
    ``SimpleRNNCell`` (``layer.cell``).

    With ``activation`` ``"tanh"`` (or ``"relu"``), no active recurrent dropout,
    ``unroll=False`` and no mask (or a block mask) it runs torch's fused kernel
    (``torch._VF.rnn_tanh`` / ``rnn_relu``); otherwise a loop over time steps.

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
        activity_regularizer: Accepted but ignored, as in Keras 3 (its SimpleRNN does not
            pass it on to the base layer, so no penalty is added and the config says
            ``None``).
        kernel_constraint: Constraint of ``kernel``.
        recurrent_constraint: Constraint of ``recurrent_kernel``.
        bias_constraint: Constraint of ``bias``.
        dropout: Float in ``[0, 1]``, fraction of the inputs to drop.
        recurrent_dropout: Float in ``[0, 1]``, fraction of the recurrent state to drop.
        return_sequences: Return every step's output instead of the last one.
        return_state: Also return the final state.
        go_backwards: Process the sequence backwards.
        stateful: Carry the last state over to the next batch.
        unroll: Accepted for Keras compatibility (turns the fused kernel off).
        seed: Random seed for dropout.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        ``(batch_size, timesteps, units)`` with ``return_sequences`` else
        ``(batch_size, units)``; with ``return_state``, followed by the final state.

    >>> import torch
    >>> layer = SimpleRNN(4, return_state=True)
    >>> out, h = layer(torch.ones(2, 5, 3))
    >>> tuple(out.shape), bool((out == h).all())
    ((2, 4), True)
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        **kwargs,
    ):
        cell = SimpleRNNCell(
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
            dtype=kwargs.get("dtype", None),
            trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
        )
        # Keras 3 drops `activity_regularizer` here (it is not passed to RNN): match it.
        del activity_regularizer
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            **kwargs,
        )
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        del cell_config["seed"]  # Keras' SimpleRNN config has no seed
        return {
            **config,
            **cell_config,
            **{k: config[k] for k in ("name", "trainable", "dtype")},
            "activity_regularizer": None,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)
