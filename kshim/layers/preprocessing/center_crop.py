"""``CenterCrop``: crops the central ``(height, width)`` window of images."""

from __future__ import annotations

from kshim.backend import config
from kshim.layers.layer import Layer
from kshim.layers.preprocessing.resizing import (
    check_image_rank,
    check_size,
    image_output_shape,
    resize_images,
)


class CenterCrop(Layer):
    """Crops the central ``(height, width)`` window of images.

    An image smaller than the target on either side is instead cropped to the target
    aspect ratio and resized (bilinear) to the target size, as in Keras. Inputs are cast
    to the compute dtype.

    Args:
        height: Output height.
        width: Output width.
        data_format: ``"channels_last"`` or ``"channels_first"``; by default
            ``kshim.config.image_data_format()``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch, height, width, channels)`` or ``(height, width, channels)``
        (channels-first likewise).

    Output shape:
        The input shape with the target height and width.

    >>> import torch
    >>> x = torch.arange(16.0).reshape(1, 4, 4, 1)
    >>> CenterCrop(2, 2)(x)[0, :, :, 0]
    tensor([[ 5.,  6.],
            [ 9., 10.]])
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        if kwargs.pop("bounding_box_format", None) is not None:
            raise ValueError("CenterCrop: bounding boxes are not supported by kshim.")
        super().__init__(**kwargs)
        check_size("height", height)
        check_size("width", width)
        self.height = height
        self.width = width
        self.data_format = config.standardize_data_format(data_format)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        check_image_rank(inputs, self.name)
        dtype = self._compute_torch_dtype
        if inputs.dtype != dtype:
            inputs = inputs.to(dtype)
        if self._channels_first:
            h_axis = inputs.dim() - 2
        else:
            h_axis = inputs.dim() - 3
        height, width = inputs.shape[h_axis], inputs.shape[h_axis + 1]
        if height >= self.height and width >= self.width:
            top = (height - self.height) // 2
            left = (width - self.width) // 2
            return inputs.narrow(h_axis, top, self.height).narrow(h_axis + 1, left, self.width)
        return resize_images(
            inputs,
            (self.height, self.width),
            crop_to_aspect_ratio=True,
            channels_first=self._channels_first,
        )

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape[0], (list, tuple)) or len(input_shape) not in (3, 4):
            raise ValueError(
                "`input_shape` must be a non-nested tuple or list of rank-1 with size 3 "
                "(unbatched) or 4 (batched). "
            )
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "data_format": self.data_format,
        }
