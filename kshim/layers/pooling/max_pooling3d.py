"""``MaxPooling3D``: max pooling over 3 spatial axes."""

from __future__ import annotations

from kshim.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """Max pooling for spatio-temporal data: the maximum of each window, per channel.

    With ``padding="valid"`` each output axis has ``(input - pool_size) // strides + 1``
    elements; with ``padding="same"``, ``(input - 1) // strides + 1``.

    Args:
        pool_size: int or tuple of 3 ints, the window size. Default ``(2, 2, 2)``.
        strides: int or tuple of 3 ints, or ``None`` (the default) for ``pool_size``.
        padding: ``"valid"`` (no padding) or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        name: The layer's name.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` for ``channels_last``,
        ``(batch_size, channels, dim1, dim2, dim3)`` for ``channels_first``.

    Output shape:
        ``(batch_size, pooled_dim1, pooled_dim2, pooled_dim3, channels)`` for ``channels_last``,
        ``(batch_size, channels, pooled_dim1, pooled_dim2, pooled_dim3)`` for ``channels_first``.

    >>> import torch
    >>> x = torch.arange(8.0).reshape(1, 2, 2, 2, 1)
    >>> MaxPooling3D(pool_size=2)(x).shape
    torch.Size([1, 1, 1, 1, 1])
    """

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=3,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
