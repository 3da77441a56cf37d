"""``Activation``: applies an activation function."""

from __future__ import annotations

from kshim import activations
from kshim.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: Activation name (``"relu"``, ``"softmax"``, ...) or callable.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> Activation("relu")(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
