"""``BaseGlobalPooling``: the shared machinery of the global pooling layers."""

from __future__ import annotations

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis of the input (max or mean), per channel.

    Subclasses implement ``call`` with ``self._axes``, the spatial axes as a tuple of ints
    worked out once from ``data_format``.

    Args:
        pool_dimensions: Number of spatial axes (1, 2 or 3).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        keepdims: Whether to keep the reduced axes with length 1.
        **kwargs: Base ``Layer`` arguments.
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + pool_dimensions))
        self._keepdims = bool(keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._keepdims:
            return tuple(1 if i in self._axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in self._axes)

    def get_config(self):
        return {
            **super().get_config(),
            "data_format": self.data_format,
            "keepdims": self.keepdims,
        }
