"""``Resizing``: resizes images to a fixed height and width."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim.backend import config
from kshim.layers.layer import Layer

# Keras' names -> torch's interpolate modes (Keras' torch backend uses "nearest-exact").
INTERPOLATIONS = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}
_ROUNDED = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def check_image_rank(images, layer_name) -> None:
    if not isinstance(images, torch.Tensor):
        raise ValueError(
            f"Layer {layer_name} expects an image tensor; dict inputs (images with bounding "
            f"boxes, labels or segmentation masks) are not supported by kshim. "
            f"Received: inputs of type {type(images).__name__}"
        )
    if images.dim() not in (3, 4):
        raise ValueError(
            "Expected image tensor to have rank 3 (single image) or 4 (batch of images). "
            f"Received: data.shape={tuple(images.shape)}"
        )


def check_size(name, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a positive integer. Received: {name}={value}")


def aspect_crop_box(height, width, target_height, target_width):
    """``(top, left, crop_height, crop_width)`` of the largest centred box with the target
    aspect ratio, as Keras computes it."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return top, left, crop_height, crop_width


def resize_images(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_value=0.0,
    channels_first=False,
):
    """Resizes a rank-3 or rank-4 image tensor with Keras 3's torch-backend numerics.

    Non-float32/64 images are resized in float32 and cast back (rounded for integer
    dtypes). ``channels_last`` images are resized through a permuted view (no copy).
    """
    squeeze = images.dim() == 3
    if squeeze:
        images = images.unsqueeze(0)
    out_dtype = images.dtype
    cast = out_dtype not in (torch.float32, torch.float64)
    if cast:
        images = images.to(torch.float32)
    if not channels_first:
        images = images.permute(0, 3, 1, 2)
    target_height, target_width = size
    if crop_to_aspect_ratio:
        height, width = images.shape[-2], images.shape[-1]
        top, left, ch, cw = aspect_crop_box(height, width, target_height, target_width)
        images = images[:, :, top : top + ch, left : left + cw]
    elif pad_to_aspect_ratio:
        height, width = images.shape[-2], images.shape[-1]
        pad_height = max(height, int(float(width * target_height) / target_width))
        pad_width = max(width, int(float(height * target_width) / target_height))
        # Keras pads the same amount on both sides (the odd row or column is dropped).
        top = int(float(pad_height - height) / 2)
        left = int(float(pad_width - width) / 2)
        if top > 0 or left > 0:
            images = F.pad(images, (left, left, top, top), value=float(fill_value))
    mode = INTERPOLATIONS[interpolation]
    align = False if mode in ("bilinear", "bicubic") else None
    use_antialias = bool(antialias) and mode in ("bilinear", "bicubic")
    out = F.interpolate(
        images,
        size=(target_height, target_width),
        mode=mode,
        align_corners=align,
        antialias=use_antialias,
    )
    if mode == "bicubic" and out_dtype == torch.uint8:
        out = out.clamp(min=0, max=255)
    if not channels_first:
        out = out.permute(0, 2, 3, 1)
    if squeeze:
        out = out.squeeze(0)
    if cast:
        if out_dtype in _ROUNDED:
            out = torch.round(out)
        out = out.to(out_dtype)
    return out


def image_output_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    if len(shape) == 4:
        axes = (1, 2) if data_format == "channels_last" else (2, 3)
    else:
        axes = (0, 1) if data_format == "channels_last" else (1, 2)
    shape[axes[0]], shape[axes[1]] = height, width
    return tuple(shape)


class Resizing(Layer):
    """Resizes images to ``(height, width)``.

    Matches Keras 3 on its torch backend (``F.interpolate`` with
    ``align_corners=False``; ``"nearest"`` is torch's ``"nearest-exact"``). Integer images
    are resized in float32 and rounded back to their dtype.

    Args:
        height: Output height.
        width: Output width.
        interpolation: ``"bilinear"``, ``"nearest"`` or ``"bicubic"`` (Keras' lanczos
            modes are not supported by its torch backend either).
        crop_to_aspect_ratio: Crop the largest centred box of the target aspect ratio
            before resizing, instead of distorting the image.
        pad_to_aspect_ratio: Pad (with ``fill_value``) to the target aspect ratio
            before resizing.
        fill_mode: Only ``"constant"``.
        fill_value: Padding value for ``pad_to_aspect_ratio``.
        antialias: Whether to antialias when downsampling (bilinear and bicubic only).
        data_format: ``"channels_last"`` (``(..., height, width, channels)``) or
            ``"channels_first"``; by default ``kshim.config.image_data_format()``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch, height, width, channels)`` or ``(height, width, channels)``
        (channels-first likewise).

    Output shape:
        The input shape with the target height and width.

    >>> import torch
    >>> Resizing(4, 6)(torch.rand(2, 8, 8, 3)).shape
    torch.Size([2, 4, 6, 3])
    """

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        if kwargs.pop("bounding_box_format", None) is not None:
            raise ValueError("Resizing: bounding boxes are not supported by kshim.")
        super().__init__(**kwargs)
        check_size("height", height)
        check_size("width", width)
        if interpolation in ("lanczos3", "lanczos5"):
            raise ValueError(
                "Resizing with Lanczos interpolation is not supported by the PyTorch "
                f"backend. Received: interpolation={interpolation}."
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                "Invalid value for argument `interpolation`. Expected of one "
                f"{INTERPOLATIONS}. Received: interpolation={interpolation}"
            )
        if fill_mode != "constant":
            raise ValueError(
                "Invalid value for argument `fill_mode`. Only `'constant'` is supported. "
                f"Received: fill_mode={fill_mode}"
            )
        if pad_to_aspect_ratio and crop_to_aspect_ratio:
            raise ValueError(
                "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`."
            )
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.data_format = config.standardize_data_format(data_format)
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        check_image_rank(inputs, self.name)
        return resize_images(
            inputs,
            (self.height, self.width),
            interpolation=self.interpolation,
            antialias=self.antialias,
            crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio,
            fill_value=self.fill_value,
            channels_first=self.data_format == "channels_first",
        )

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
            "data_format": self.data_format,
        }
