"""``AveragePooling3D``: average pooling over 3 spatial axes."""

from __future__ import annotations

from kshim.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling for spatio-temporal data: the average of each window, per channel.

    With ``padding="valid"`` each output axis has ``(input - pool_size) // strides + 1``
    elements; with ``padding="same"``, ``(input - 1) // strides + 1``.

    With ``padding="same"``, see ``BasePooling`` for how border windows are
    averaged (as Keras 3 on torch does).

    Args:
        pool_size: int or tuple of 3 ints, the window size.
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
    >>> AveragePooling3D(pool_size=2)(x).flatten()
    tensor([3.5000])
    """

    def __init__(
        self,
        pool_size,
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
            pool_mode="average",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
