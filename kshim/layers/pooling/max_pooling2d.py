"""``MaxPooling2D``: max pooling over 2 spatial axes."""

from __future__ import annotations

from kshim.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling for spatial data: the maximum of each window, per channel.

    With ``padding="valid"`` each output axis has ``(input - pool_size) // strides + 1``
    elements; with ``padding="same"``, ``(input - 1) // strides + 1``.

    Args:
        pool_size: int or tuple of 2 ints, the window size. Default ``(2, 2)``.
        strides: int or tuple of 2 ints, or ``None`` (the default) for ``pool_size``.
        padding: ``"valid"`` (no padding) or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        name: The layer's name.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, height, width, channels)`` for ``channels_last``,
        ``(batch_size, channels, height, width)`` for ``channels_first``.

    Output shape:
        ``(batch_size, pooled_height, pooled_width, channels)`` for ``channels_last``,
        ``(batch_size, channels, pooled_height, pooled_width)`` for ``channels_first``.

    >>> import torch
    >>> x = torch.arange(9.0).reshape(1, 3, 3, 1)
    >>> MaxPooling2D(pool_size=2, strides=1)(x)[..., 0]
    tensor([[[4., 5.],
             [7., 8.]]])
    """

    def __init__(
        self,
        pool_size=(2, 2),
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=2,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
