"""``UpSampling3D``: enlarges volumes by whole factors."""

from __future__ import annotations

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import spatial_axes, standardize_tuple
from kshim.layers.reshaping._repeat import RepeatPlan


class UpSampling3D(Layer):
    """Repeats each element of the three spatial axes ``size`` times (nearest neighbour).

    Args:
        size: Int or tuple of 3 ints, the factors of the three axes. Default ``(2, 2, 2)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` for ``channels_last``,
        ``(batch_size, channels, dim1, dim2, dim3)`` for ``channels_first``.

    Output shape:
        The same with each spatial axis multiplied by its factor.

    >>> import torch
    >>> UpSampling3D((1, 2, 3))(torch.ones(1, 2, 2, 2, 4)).shape
    torch.Size([1, 2, 4, 6, 4])
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)
        self._axes = spatial_axes(3, self.data_format)
        self._repeat = RepeatPlan(5, axes=self._axes, factors=self.size)

    def call(self, inputs):
        return self._repeat(inputs)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(self._axes, self.size):
            if out[axis] is not None:
                out[axis] *= factor
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
