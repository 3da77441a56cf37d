"""``GlobalAveragePooling2D``: mean over every spatial axis."""

from __future__ import annotations

import torch

from kshim.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Global average pooling for spatial data: the mean over all positions, per channel.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        keepdims: Whether to keep the pooled axes with length 1 (default ``False``).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, height, width, channels)`` for ``channels_last``,
        ``(batch_size, channels, height, width)`` for ``channels_first``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` the input's rank, pooled axes of
        length 1.

    >>> import torch
    >>> GlobalAveragePooling2D()(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 3])
    >>> GlobalAveragePooling2D(keepdims=True)(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 1, 1, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        if not inputs.is_floating_point():  # Keras averages integers in float32
            inputs = inputs.to(torch.float32)
        return inputs.mean(dim=self._axes, keepdim=self._keepdims)
