"""``Add``: the element-wise sum of a list of tensors."""

from __future__ import annotations

from kshim.layers.merging.base_merge import Merge


class Add(Merge):
    """Adds a list of tensors of the same (or broadcastable) shape.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of tensors ``(batch_size, ...)``.

    Output shape:
        Their broadcast shape.

    >>> import torch
    >>> Add()([torch.ones(2, 3), torch.full((2, 3), 2.0)])[0]
    tensor([3., 3., 3.])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


def add(inputs, **kwargs):
    """Functional form of ``Add``: ``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)
