"""``GlobalMaxPooling2D``: max over every spatial axis."""

from __future__ import annotations

from kshim.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Global max pooling for spatial data: the maximum over all positions, per channel.

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
    >>> GlobalMaxPooling2D()(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 3])
    >>> GlobalMaxPooling2D(keepdims=True)(torch.ones(2, 4, 5, 3)).shape
    torch.Size([2, 1, 1, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)

    def call(self, inputs):
        return inputs.amax(dim=self._axes, keepdim=self._keepdims)
