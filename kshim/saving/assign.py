"""The last step of every load: convert every value first, then write them all.

Loading checks a whole file before it writes a single weight; this module holds the
"then write" half, so that a failed conversion also leaves the model unchanged.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["commit", "convert_all"]


def _to_tensor(value) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach()
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"a value of dtype {arr.dtype} is not a numeric weight")
    if not arr.flags.writeable or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr).copy()
    return torch.from_numpy(arr)


def convert_all(pairs, path_label: str) -> list:
    """``[(target, value, where), ...]`` -> ``[(target, tensor), ...]`` on each target's
    device and dtype; ``ValueError`` naming the file and the first bad value."""
    out = []
    for target, value, where in pairs:
        try:
            t = _to_tensor(value)
        except TypeError as e:
            raise ValueError(f"Cannot load {path_label!r}: {where}: {e}") from None
        if tuple(t.shape) != tuple(target.shape):
            raise ValueError(
                f"Cannot load {path_label!r}: {where} has shape {tuple(t.shape)}, the "
                f"model's weight has shape {tuple(target.shape)}."
            )
        if t.is_floating_point() and not (target.is_floating_point() or target.is_complex()):
            raise ValueError(
                f"Cannot load {path_label!r}: {where} holds {t.dtype} values, the model's "
                f"weight is {target.dtype}."
            )
        if t.is_complex() and not target.is_complex():
            raise ValueError(
                f"Cannot load {path_label!r}: {where} holds complex values, the model's "
                f"weight is {target.dtype}."
            )
        out.append((target, t.to(device=target.device, dtype=target.dtype)))
    return out


def commit(converted) -> None:
    """Writes converted values in place (no autograd, no new tensors on the model)."""
    with torch.no_grad():
        for target, value in converted:
            target.copy_(value)
