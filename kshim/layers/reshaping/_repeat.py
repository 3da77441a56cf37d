"""Nearest-neighbour upsampling by whole factors, as one broadcast and one copy."""

from __future__ import annotations


class RepeatPlan:
    """Repeats each element of ``axes`` of a rank-``ndim`` tensor ``factors`` times
    (``numpy.repeat`` on several axes at once).

    Worked out once: a new axis of length 1 is indexed in after each repeated axis,
    broadcast to its factor (a view), then merged back into its axis. The first merge
    copies the data once into a contiguous tensor; the following ones are views.

    >>> import torch
    >>> plan = RepeatPlan(3, axes=(1,), factors=(2,))
    >>> plan(torch.tensor([[[1], [2]]]))[0, :, 0]
    tensor([1, 1, 2, 2])
    """

    def __init__(self, ndim: int, axes: tuple, factors: tuple):
        index, sizes = [], []
        repeats = dict(zip(axes, factors))
        for d in range(ndim):
            index.append(slice(None))
            sizes.append(-1)
            if d in repeats:
                index.append(None)
                sizes.append(repeats[d])
        self.index = tuple(index)
        self.sizes = tuple(sizes)
        # After the i-th merge (ascending axes), the next repeated axis is back at its
        # original position.
        self.merges = tuple(sorted(axes))

    def __call__(self, x):
        y = x[self.index].expand(self.sizes)
        for a in self.merges:
            y = y.flatten(a, a + 1)
        return y
