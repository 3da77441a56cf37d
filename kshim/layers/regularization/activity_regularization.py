"""``ActivityRegularization``: adds an L1/L2 penalty on its inputs to the layer's losses."""

from __future__ import annotations

from kshim import regularizers
from kshim.layers.layer import Layer


class ActivityRegularization(Layer):
    """Returns its input unchanged and adds ``(l1 * sum(|x|) + l2 * sum(x^2)) / batch_size``
    to ``layer.losses`` on every call: it is the ``L1L2`` activity regularizer of the base
    ``Layer``, which divides by the batch size (the size of axis 0) as Keras 3 does.

    Args:
        l1: Non-negative L1 factor.
        l2: Non-negative L2 factor.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = ActivityRegularization(l1=0.5, l2=0.25)
    >>> y = layer(torch.tensor([[1.0, -2.0], [0.0, 2.0]]))
    >>> layer.losses  # (0.5 * 5 + 0.25 * 9) / 2
    [tensor(2.3750)]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
