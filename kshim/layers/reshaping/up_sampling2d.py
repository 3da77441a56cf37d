"""``UpSampling2D``: enlarges images by whole factors."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import spatial_axes, standardize_tuple
from kshim.layers.reshaping._repeat import RepeatPlan

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


class UpSampling2D(Layer):
    """Enlarges the height and width of images by ``size``.

    ``"nearest"`` repeats each row and column (one copy, exact); ``"bilinear"`` and
    ``"bicubic"`` run ``F.interpolate`` with ``align_corners=False`` and no antialiasing,
    as Keras 3 does on torch (inputs other than float32/float64 are interpolated in
    float32, integers rounded back).

    Args:
        size: Int or tuple of 2 ints, the factors for height and width. Default ``(2, 2)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        interpolation: ``"nearest"``, ``"bilinear"`` or ``"bicubic"`` (case-insensitive;
            Keras' ``"lanczos3"``/``"lanczos5"`` are not supported on torch).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, rows, cols, channels)`` for ``channels_last``,
        ``(batch_size, channels, rows, cols)`` for ``channels_first``.

    Output shape:
        The same with ``rows * size[0]`` rows and ``cols * size[1]`` columns.

    >>> import torch
    >>> UpSampling2D((1, 2))(torch.tensor([[[[1.0], [2.0]]]]))[0, :, :, 0]
    tensor([[1., 1., 2., 2.]])
    >>> UpSampling2D((1, 2), interpolation="bilinear")(torch.tensor([[[[1.0], [2.0]]]]))[0, :, :, 0]
    tensor([[1.0000, 1.2500, 1.7500, 2.0000]])
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise ValueError(
                f"Invalid value for argument `interpolation`. Expected one of "
                f"{_INTERPOLATIONS}. Received: interpolation={interpolation}"
            )
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)
        self._axes = spatial_axes(2, self.data_format)
        self._channels_last = self.data_format == "channels_last"
        self._repeat = RepeatPlan(4, axes=self._axes, factors=self.size)

    def call(self, inputs):
        if self.interpolation == "nearest":
            return self._repeat(inputs)
        x = inputs.permute(0, 3, 1, 2) if self._channels_last else inputs
        dtype = x.dtype
        if dtype not in (torch.float32, torch.float64):
            x = x.to(torch.float32)
        h, w = x.shape[2:]
        out = F.interpolate(
            x,
            size=(h * self.size[0], w * self.size[1]),
            mode=self.interpolation,
            align_corners=False,
            antialias=False,
        )
        if out.dtype != dtype:
            if dtype == torch.uint8 and self.interpolation == "bicubic":
                out = out.clamp(0, 255)  # bicubic overshoots
            if not dtype.is_floating_point and dtype != torch.bool:
                out = torch.round(out)
            out = out.to(dtype)
        return out.permute(0, 2, 3, 1) if self._channels_last else out

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, factor in zip(self._axes, self.size):
            if out[axis] is not None:
                out[axis] *= factor
        return tuple(out)

    def get_config(self):
        return {
            **super().get_config(),
            "size": self.size,
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }
