"""``Cropping3D``: removes borders of the three spatial axes."""

from __future__ import annotations

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import crop_index, spatial_axes, standardize_pairs


class Cropping3D(Layer):
    """Removes borders of the three spatial axes; the output is a view of the input.

    Args:
        cropping: Int (the same cropping on every side), tuple of 3 ints (symmetric cropping
            of each axis), or tuple of 3 pairs ``((before, after), ...)``, one per axis.
            Default 1 on every side.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` for ``channels_last``,
        ``(batch_size, channels, dim1, dim2, dim3)`` for ``channels_first``.

    Output shape:
        The same with each spatial axis shrunk by its cropping.

    >>> import torch
    >>> Cropping3D(((1, 0), 1, (0, 2)))(torch.ones(1, 3, 4, 5, 2)).shape
    torch.Size([1, 2, 2, 3, 2])
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.cropping = standardize_pairs(cropping, 3, "cropping")
        self.input_spec = InputSpec(ndim=3 + 2)
        self._index = crop_index(self.cropping, self.data_format)
        self._checks = tuple(zip(spatial_axes(3, self.data_format), map(sum, self.cropping)))

    def _error(self, shape):
        return ValueError(
            "Values in `cropping` argument should be smaller than the corresponding spatial "
            f"dimension of the input. Received: inputs.shape={tuple(shape)}, "
            f"cropping={self.cropping}"
        )

    def call(self, inputs):
        shape = inputs.shape
        for axis, total in self._checks:
            if shape[axis] <= total:
                raise self._error(shape)
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, total in self._checks:
            if out[axis] is not None:
                out[axis] -= total
                if out[axis] <= 0:
                    raise self._error(input_shape)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
