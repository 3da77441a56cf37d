"""``GlobalAveragePooling1D``: mean over every spatial axis."""

from __future__ import annotations

import torch

from kshim.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling for temporal data: the mean over all steps, per channel.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        keepdims: Whether to keep the pooled axes with length 1 (default ``False``).
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        inputs: A 3D tensor.
        mask: Optional ``(batch_size, steps)`` tensor, true (or nonzero) for the steps to
            average; the other steps are left out. The output carries no mask.

    Input shape:
        ``(batch_size, steps, features)`` for ``channels_last``,
        ``(batch_size, features, steps)`` for ``channels_first``.

    Output shape:
        ``(batch_size, features)``; with ``keepdims=True`` the input's rank, pooled axes of
        length 1.

    >>> import torch
    >>> GlobalAveragePooling1D()(torch.ones(2, 5, 3)).shape
    torch.Size([2, 3])
    >>> GlobalAveragePooling1D(keepdims=True)(torch.ones(2, 5, 3)).shape
    torch.Size([2, 1, 3])
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)

        self.supports_masking = True
        # Where the (batch, steps) mask gets its features axis.
        self._mask_axis = 2 if self.data_format == "channels_last" else 1

    def call(self, inputs, mask=None):
        if not inputs.is_floating_point():  # Keras averages integers in float32
            inputs = inputs.to(torch.float32)
        if mask is None:
            return inputs.mean(dim=self._axes, keepdim=self._keepdims)
        keep = mask.unsqueeze(self._mask_axis).to(torch.bool)
        # ``where`` (not a product) so that NaN or inf in masked steps cannot leak in.
        total = torch.where(keep, inputs, 0).sum(dim=self._axes, keepdim=self._keepdims)
        count = keep.to(inputs.dtype).sum(dim=self._axes, keepdim=self._keepdims)
        return total / count

    def compute_mask(self, inputs, mask=None):
        return None
