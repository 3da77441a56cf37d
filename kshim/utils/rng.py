"""Global seeding."""

from __future__ import annotations

import random

import numpy as np
import torch


def set_random_seed(seed: int) -> None:
    """Seeds Python's ``random``, numpy and torch (every device), as Keras' function does.

    Initializers and ``kshim.random`` functions called without a seed then draw
    reproducibly.

    >>> set_random_seed(1); a = torch.rand(2)
    >>> set_random_seed(1); bool((a == torch.rand(2)).all())
    True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(
            f"Expected `seed` argument to be an integer. Received: seed={seed} "
            f"(of type {type(seed)})"
        )
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
