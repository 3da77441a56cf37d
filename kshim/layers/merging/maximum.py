"""``Maximum``: the element-wise maximum of a list of tensors."""

from __future__ import annotations

import torch

from kshim.layers.merging.base_merge import Merge


class Maximum(Merge):
    """The element-wise maximum of a list of tensors.

    With masks, a masked position of one input takes the other inputs' value there,
    as in Keras.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of tensors ``(batch_size, ...)``.

    Output shape:
        Their broadcast shape.

    >>> import torch
    >>> Maximum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
    tensor([[3., 5.]])
    """

    def _merge_function(self, inputs, masks):
        return self._masked_fold(torch.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Functional form of ``Maximum``: ``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)
