"""``Identity``: returns its input unchanged."""

from __future__ import annotations

from kshim.layers.layer import Layer


class Identity(Layer):
    """Returns its inputs unchanged (the same tensors, no copy); passes masks through.

    Useful as a placeholder, e.g. when a block is disabled by configuration.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any (a tensor or a structure of tensors).

    Output shape:
        Same as the input.

    >>> import torch
    >>> x = torch.ones(2, 3)
    >>> Identity()(x) is x
    True
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return super().get_config()
