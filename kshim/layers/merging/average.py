"""``Average``: the element-wise mean of a list of tensors."""

from __future__ import annotations

from kshim.layers.merging.base_merge import Merge


class Average(Merge):
    """Averages a list of tensors of the same (or broadcastable) shape.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of tensors ``(batch_size, ...)``.

    Output shape:
        Their broadcast shape.

    >>> import torch
    >>> Average()([torch.ones(2, 3), torch.full((2, 3), 2.0)])[0]
    tensor([1.5000, 1.5000, 1.5000])
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


def average(inputs, **kwargs):
    """Functional form of ``Average``: ``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)
