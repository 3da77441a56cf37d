"""``Flatten``: flattens every axis but the batch axis."""

from __future__ import annotations

import math

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer


class Flatten(Layer):
    """Flattens the input to ``(batch_size, features)``; the batch axis is kept.

    With ``data_format="channels_first"`` the channels axis (axis 1) is moved last before
    flattening, so the features come out in the same order as for the ``channels_last``
    layout of the same data (as in Keras). A rank-1 input gets one feature per sample.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, ...)``, rank at least 1.

    Output shape:
        ``(batch_size, product of the other axes)``.

    >>> import torch
    >>> Flatten()(torch.ones(2, 3, 4)).shape
    torch.Size([2, 12])
    >>> Flatten(data_format="channels_first")(torch.arange(4.0).reshape(1, 2, 2))
    tensor([[0., 2., 1., 3.]])
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        ndim = inputs.dim()
        if ndim == 1:
            return inputs.unsqueeze(1)
        if self._channels_first and ndim > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.flatten(1)

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        if not rest:
            return (input_shape[0], 1)
        if any(d is None for d in rest):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
