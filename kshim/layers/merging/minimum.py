"""``Minimum``: the element-wise minimum of a list of tensors."""

from __future__ import annotations

import torch

from kshim.layers.merging.base_merge import Merge


class Minimum(Merge):
    """The element-wise minimum of a list of tensors.

    With masks, a masked position of one input takes the other inputs' value there,
    as in Keras.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of tensors ``(batch_size, ...)``.

    Output shape:
        Their broadcast shape.

    >>> import torch
    >>> Minimum()([torch.tensor([[1.0, 5.0]]), torch.tensor([[3.0, 2.0]])])
    tensor([[1., 2.]])
    """

    def _merge_function(self, inputs, masks):
        return self._masked_fold(torch.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Functional form of ``Minimum``: ``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)
