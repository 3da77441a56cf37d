"""Math ops (``keras.ops.math`` and ``keras.ops.linalg.norm``) on torch tensors."""

from __future__ import annotations

from typing import NamedTuple

import torch

from kshim.ops.core import _as_tensor, _convert
from kshim.ops.numpy import _to_float


class TopK(NamedTuple):
    values: torch.Tensor
    indices: torch.Tensor


def top_k(x, k, sorted=True) -> TopK:
    """The ``k`` largest values along the last axis and their int32 indices.

    Returns a named tuple ``(values, indices)``, as ``torch.topk`` does.

    >>> values, indices = top_k(torch.tensor([1.0, 4.0, 2.0, 3.0]), 2)
    >>> values, indices
    (tensor([4., 3.]), tensor([1, 3], dtype=torch.int32))
    """
    values, indices = torch.topk(_as_tensor(x), k, dim=-1, sorted=sorted)
    return TopK(values, indices.to(torch.int32))


def in_top_k(targets, predictions, k) -> torch.Tensor:
    """Whether each target class is among the ``k`` highest predictions (ties count)."""
    predictions = _as_tensor(predictions)
    targets = (
        _as_tensor(targets)
        if isinstance(targets, torch.Tensor)
        else _convert(targets, None, predictions.device)
    )
    target_values = torch.take_along_dim(predictions, targets.to(torch.int64)[:, None], dim=-1)
    kth = torch.topk(predictions, k, dim=-1).values[:, -1:]
    return (target_values >= kth).squeeze(-1)


def logsumexp(x, axis=None, keepdims=False) -> torch.Tensor:
    """``log(sum(exp(x)))`` over ``axis`` (all axes if ``None``), computed stably.

    >>> logsumexp(torch.zeros(4))
    tensor(1.3863)
    """
    x = _to_float(_as_tensor(x))
    dims = tuple(range(x.ndim)) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


def erf(x) -> torch.Tensor:
    """Element-wise error function."""
    return torch.erf(_to_float(_as_tensor(x)))


def erfinv(x) -> torch.Tensor:
    """Element-wise inverse error function."""
    return torch.erfinv(_to_float(_as_tensor(x)))


def erfc(x) -> torch.Tensor:
    """Element-wise complementary error function, ``1 - erf(x)``."""
    return torch.erfc(_to_float(_as_tensor(x)))


def logdet(x) -> torch.Tensor:
    """Log-determinant of (a batch of) positive-definite matrices."""
    return torch.logdet(_as_tensor(x))


def rsqrt(x) -> torch.Tensor:
    """Element-wise ``1 / sqrt(x)``."""
    return torch.rsqrt(_to_float(_as_tensor(x)))


def norm(x, ord=None, axis=None, keepdims=False) -> torch.Tensor:
    """Vector or matrix norm, as ``numpy.linalg.norm``.

    Args:
        x: Input tensor; integers are converted to ``floatx()``.
        ord: Order of the norm (``None`` is the 2-norm / Frobenius norm; ``"fro"``,
            ``"nuc"``, ``inf``, ``-inf`` and numbers as in NumPy).
        axis: ``None`` (the whole tensor as a vector, or a matrix norm for 2-D input with
            ``ord``), an int (vector norms) or a pair of ints (matrix norms).
        keepdims: Keep the reduced axes with size 1.

    >>> norm(torch.tensor([3.0, 4.0]))
    tensor(5.)
    """
    x = _to_float(_as_tensor(x))
    if isinstance(axis, list):
        axis = tuple(axis)
    return torch.linalg.norm(x, ord=ord, dim=axis, keepdim=keepdims)


def _segment_reduce(data, segment_ids, num_segments, reduce):
    data = _as_tensor(data)
    segment_ids = _as_tensor(segment_ids)
    if segment_ids.ndim != 1:
        raise ValueError(
            "Argument `segment_ids` should be an 1-D vector, got shape: "
            f"{tuple(segment_ids.shape)}."
        )
    if num_segments is None:
        num_segments = int(segment_ids.max()) + 1  # data-dependent: eager only
    ids = segment_ids.to(torch.int64)
    # Out-of-range ids go to one extra segment that is dropped at the end.
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    out_shape = (num_segments + 1,) + tuple(data.shape[1:])
    if reduce == "sum":
        out = torch.zeros(out_shape, dtype=data.dtype, device=data.device)
        out = out.index_add(0, ids, data)
    else:
        if reduce == "prod":
            fill = 1
        elif data.is_floating_point():
            fill = float("-inf") if reduce == "amax" else float("inf")
        else:
            info = torch.iinfo(data.dtype)
            fill = info.min if reduce == "amax" else info.max
        out = torch.full(out_shape, fill, dtype=data.dtype, device=data.device)
        index = ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand_as(data)
        out = out.scatter_reduce(0, index, data, reduce)
    return out[:-1]


def segment_sum(data, segment_ids, num_segments=None, sorted=False) -> torch.Tensor:
    """Sums of the rows of ``data`` that share a segment id.

    Pass ``num_segments`` to keep the output shape static (needed under
    ``torch.compile``); ids outside ``[0, num_segments)`` are dropped.

    >>> segment_sum(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 0, 1]), num_segments=2)
    tensor([3., 3.])
    """
    return _segment_reduce(data, segment_ids, num_segments, "sum")


def segment_max(data, segment_ids, num_segments=None, sorted=False) -> torch.Tensor:
    """Maxima of the rows of ``data`` that share a segment id (``-inf`` for empty ones)."""
    return _segment_reduce(data, segment_ids, num_segments, "amax")


def segment_min(data, segment_ids, num_segments=None, sorted=False) -> torch.Tensor:
    """Minima of the rows of ``data`` that share a segment id (``inf`` for empty ones)."""
    return _segment_reduce(data, segment_ids, num_segments, "amin")


def segment_prod(data, segment_ids, num_segments=None, sorted=False) -> torch.Tensor:
    """Products of the rows of ``data`` that share a segment id (1 for empty ones)."""
    return _segment_reduce(data, segment_ids, num_segments, "prod")
