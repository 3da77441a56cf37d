"""``MaxPooling1D``: max pooling over 1 spatial axis."""

from __future__ import annotations

from kshim.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling for temporal data: the maximum of each window, per channel.

    With ``padding="valid"`` each output axis has ``(input - pool_size) // strides + 1``
    elements; with ``padding="same"``, ``(input - 1) // strides + 1``.

    Args:
        pool_size: int, the window size. Default ``2``.
        strides: int, or ``None`` (the default) for ``pool_size``.
        padding: ``"valid"`` (no padding) or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        name: The layer's name.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, steps, channels)`` for ``channels_last``,
        ``(batch_size, channels, steps)`` for ``channels_first``.

    Output shape:
        ``(batch_size, pooled_steps, channels)`` for ``channels_last``,
        ``(batch_size, channels, pooled_steps)`` for ``channels_first``.

    >>> import torch
    >>> x = torch.tensor([1.0, 3.0, 2.0, 5.0, 4.0]).reshape(1, 5, 1)
    >>> MaxPooling1D(pool_size=2)(x).flatten()
    tensor([3., 5.])
    >>> MaxPooling1D(pool_size=2, padding="same")(x).flatten()
    tensor([3., 5., 4.])
    """

    def __init__(
        self,
        pool_size=2,
        strides=None,
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=1,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
