"""The torch function that computes a Keras activation with its default arguments.

Layers call activations on every forward; for the common ones the torch builtin does the
same math without the Keras function's argument handling, so layers store the builtin
(``fast_path``) and call it directly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim.activations import activations as _a

_FAST = {
    _a.relu: torch.relu,
    _a.relu6: F.relu6,
    _a.sigmoid: torch.sigmoid,
    _a.tanh: torch.tanh,
    _a.silu: F.silu,
    _a.elu: F.elu,
    _a.selu: F.selu,
    _a.exponential: torch.exp,
}


def fast_path(fn):
    """Returns a callable equal to ``fn`` (``None`` for ``linear``), torch's own when known.

    >>> import torch
    >>> from kshim import activations
    >>> fast_path(activations.relu) is torch.relu, fast_path(activations.linear)
    (True, None)
    """
    if fn is _a.linear or fn is None:
        return None
    return _FAST.get(fn, fn)
