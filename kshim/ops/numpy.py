"""NumPy-style ops (``keras.ops.numpy``) on torch tensors.

Signatures and argument names are Keras 3's. Dtype results follow Keras' torch backend
for the common cases: Python scalars are weak (``int8_tensor + 1`` stays int8, ``int32 +
0.5`` is float32), integer inputs to float functions give ``floatx()``, sums of small
integers give int32, arg-functions give int32. Unlike Keras, 64-bit inputs are never
narrowed to 32 bits.
"""

from __future__ import annotations

import builtins

import torch
import torch.nn.functional as F

from kshim.backend.config import floatx, to_torch_dtype
from kshim.ops.core import (
    _as_tensor,
    _convert,
    _python_scalar_dtype,
    convert_to_tensor,
    result_type,
)

_HALF = (torch.float16, torch.bfloat16)
_SMALL_INTS = (torch.bool, torch.uint8, torch.int8, torch.int16)
_FULL_FLOATS = (torch.float32, torch.float64)


# ------------------------------------------------------------------------------ helpers
def _operand(v, like: torch.Tensor):
    """``v`` ready to combine with the tensor ``like`` in a torch op taking scalars."""
    if isinstance(v, torch.Tensor):
        return v
    if isinstance(v, (int, float)):
        # torch widens bool + int to int64; Keras (and JAX) give int32.
        if like.dtype == torch.bool and isinstance(v, int) and not isinstance(v, bool):
            return torch.tensor(v, dtype=_python_scalar_dtype(v), device=like.device)
        return v
    return _convert(v, None, like.device)


def _binary(x1, x2):
    """Operands for torch binary ops that accept Python scalars on either side."""
    if isinstance(x1, torch.Tensor):
        return x1, _operand(x2, x1)
    if isinstance(x2, torch.Tensor):
        return _operand(x1, x2), x2
    x1 = _as_tensor(x1)
    return x1, _operand(x2, x1)


def _tensor(v, like: torch.Tensor) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        return v
    return _convert(v, None, like.device)


def _tensors(x1, x2):
    """Both operands as tensors (scalars become 0-d tensors, which stay weak in torch)."""
    if isinstance(x1, torch.Tensor):
        return x1, _tensor(x2, x1)
    if isinstance(x2, torch.Tensor):
        return _tensor(x1, x2), x2
    x1 = _as_tensor(x1)
    return x1, _tensor(x2, x1)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _dims(axis):
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(axis)


def _all_dims(x: torch.Tensor, axis):
    return tuple(range(x.ndim)) if axis is None else _dims(axis)


def _floatx_dtype() -> torch.dtype:
    return to_torch_dtype(floatx())


def _to_float(x: torch.Tensor) -> torch.Tensor:
    """Integer and bool tensors become ``floatx()``; float tensors are kept."""
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(_floatx_dtype())


def _promote(*tensors: torch.Tensor) -> list[torch.Tensor]:
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = torch.promote_types(dt, t.dtype)
    return [t if t.dtype == dt else t.to(dt) for t in tensors]


def _canonical_axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"Axis {axis} is out of bounds for a tensor of rank {ndim}.")
    return axis % ndim


# -------------------------------------------------------------------------- arithmetic
def add(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 + x2``.

    >>> add(torch.tensor([1, 2], dtype=torch.int8), 3)
    tensor([4, 5], dtype=torch.int8)
    """
    return torch.add(*_binary(x1, x2))


def subtract(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 - x2``."""
    x1, x2 = _binary(x1, x2)
    # torch refuses to subtract bools; Keras casts the bool side to the other's dtype.
    if isinstance(x1, torch.Tensor) and x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype if isinstance(x2, torch.Tensor) else _python_scalar_dtype(x2))
    if isinstance(x2, torch.Tensor) and x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype if isinstance(x1, torch.Tensor) else _python_scalar_dtype(x1))
    return torch.subtract(x1, x2)


def multiply(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 * x2``."""
    return torch.multiply(*_binary(x1, x2))


def divide(x1, x2) -> torch.Tensor:
    """Element-wise true division; integers give ``floatx()``.

    >>> divide(torch.tensor([1, 2]), 2)
    tensor([0.5000, 1.0000])
    """
    return torch.divide(*_binary(x1, x2))


def true_divide(x1, x2) -> torch.Tensor:
    """Alias of `divide`."""
    return divide(x1, x2)


def divide_no_nan(x1, x2) -> torch.Tensor:
    """Element-wise division that gives 0 where the denominator is 0."""
    x1, x2 = _tensors(x1, x2)
    x1, x2 = _to_float(x1), _to_float(x2)
    x1, x2 = _promote(x1, x2)
    zero = x2 == 0
    return torch.where(zero, 0.0, x1 / torch.where(zero, 1.0, x2)).to(x1.dtype)


def floor_divide(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 // x2`` (rounding towards minus infinity)."""
    x1, x2 = _tensors(x1, x2)
    return torch.floor_divide(x1, x2)


def power(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 ** x2``."""
    x1, x2 = _binary(x1, x2)
    return torch.pow(x1, x2)


def negative(x) -> torch.Tensor:
    """Element-wise ``-x``."""
    return torch.negative(_as_tensor(x))


def mod(x1, x2) -> torch.Tensor:
    """Element-wise remainder with the sign of the divisor (NumPy's ``mod``)."""
    x1, x2 = _tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.remainder(x1, x2)


def fmod(x1, x2) -> torch.Tensor:
    """Element-wise remainder with the sign of the dividend (C's ``fmod``)."""
    x1, x2 = _tensors(x1, x2)
    if x1.dtype == torch.bool and x2.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.fmod(x1, x2)


def maximum(x1, x2) -> torch.Tensor:
    """Element-wise maximum.

    >>> maximum(torch.tensor([1.0, -2.0]), 0.0)
    tensor([1., 0.])
    """
    if isinstance(x1, torch.Tensor) and x1.is_floating_point() and _is_number(x2):
        return torch.clamp_min(x1, x2)
    return torch.maximum(*_tensors(x1, x2))


def minimum(x1, x2) -> torch.Tensor:
    """Element-wise minimum."""
    if isinstance(x1, torch.Tensor) and x1.is_floating_point() and _is_number(x2):
        return torch.clamp_max(x1, x2)
    return torch.minimum(*_tensors(x1, x2))


def absolute(x) -> torch.Tensor:
    """Element-wise absolute value (bools are returned unchanged)."""
    x = _as_tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


def abs(x) -> torch.Tensor:
    """Alias of `absolute`."""
    return absolute(x)


def square(x) -> torch.Tensor:
    """Element-wise ``x * x`` (bools become int32)."""
    x = _as_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.square(x)


def sqrt(x) -> torch.Tensor:
    """Element-wise square root; integers give ``floatx()``."""
    return torch.sqrt(_to_float(_as_tensor(x)))


def cbrt(x) -> torch.Tensor:
    """Element-wise cube root; integers give ``floatx()``."""
    x = _to_float(_as_tensor(x))
    return torch.sign(x) * torch.abs(x).pow(1.0 / 3.0)


def reciprocal(x) -> torch.Tensor:
    """Element-wise ``1 / x``."""
    return torch.reciprocal(_as_tensor(x))


def sign(x) -> torch.Tensor:
    """Element-wise sign: -1, 0 or 1."""
    return torch.sign(_as_tensor(x))


def exp(x) -> torch.Tensor:
    """Element-wise ``e ** x``; integers give ``floatx()``."""
    return torch.exp(_to_float(_as_tensor(x)))


def exp2(x) -> torch.Tensor:
    """Element-wise ``2 ** x``; integers give ``floatx()``."""
    return torch.exp2(_to_float(_as_tensor(x)))


def expm1(x) -> torch.Tensor:
    """Element-wise ``exp(x) - 1``, accurate near 0."""
    return torch.expm1(_to_float(_as_tensor(x)))


def log(x) -> torch.Tensor:
    """Element-wise natural logarithm."""
    return torch.log(_to_float(_as_tensor(x)))


def log1p(x) -> torch.Tensor:
    """Element-wise ``log(1 + x)``, accurate near 0."""
    return torch.log1p(_to_float(_as_tensor(x)))


def log2(x) -> torch.Tensor:
    """Element-wise base-2 logarithm."""
    return torch.log2(_to_float(_as_tensor(x)))


def log10(x) -> torch.Tensor:
    """Element-wise base-10 logarithm."""
    return torch.log10(_to_float(_as_tensor(x)))


def logaddexp(x1, x2) -> torch.Tensor:
    """Element-wise ``log(exp(x1) + exp(x2))``, computed stably."""
    x1, x2 = _tensors(x1, x2)
    x1, x2 = _promote(_to_float(x1), _to_float(x2))
    return torch.logaddexp(x1, x2)


def sin(x) -> torch.Tensor:
    """Element-wise sine."""
    return torch.sin(_to_float(_as_tensor(x)))


def cos(x) -> torch.Tensor:
    """Element-wise cosine."""
    return torch.cos(_to_float(_as_tensor(x)))


def tan(x) -> torch.Tensor:
    """Element-wise tangent."""
    return torch.tan(_to_float(_as_tensor(x)))


def arcsin(x) -> torch.Tensor:
    """Element-wise inverse sine."""
    return torch.arcsin(_to_float(_as_tensor(x)))


def arccos(x) -> torch.Tensor:
    """Element-wise inverse cosine."""
    return torch.arccos(_to_float(_as_tensor(x)))


def arctan(x) -> torch.Tensor:
    """Element-wise inverse tangent."""
    return torch.arctan(_to_float(_as_tensor(x)))


def arctan2(x1, x2) -> torch.Tensor:
    """Element-wise angle of the point ``(x2, x1)``."""
    x1, x2 = _tensors(x1, x2)
    x1, x2 = _promote(_to_float(x1), _to_float(x2))
    return torch.arctan2(x1, x2)


def sinh(x) -> torch.Tensor:
    """Element-wise hyperbolic sine."""
    return torch.sinh(_to_float(_as_tensor(x)))


def cosh(x) -> torch.Tensor:
    """Element-wise hyperbolic cosine."""
    return torch.cosh(_to_float(_as_tensor(x)))


def tanh(x) -> torch.Tensor:
    """Element-wise hyperbolic tangent."""
    return torch.tanh(_to_float(_as_tensor(x)))


def arcsinh(x) -> torch.Tensor:
    """Element-wise inverse hyperbolic sine."""
    return torch.arcsinh(_to_float(_as_tensor(x)))


def arccosh(x) -> torch.Tensor:
    """Element-wise inverse hyperbolic cosine."""
    return torch.arccosh(_to_float(_as_tensor(x)))


def arctanh(x) -> torch.Tensor:
    """Element-wise inverse hyperbolic tangent."""
    return torch.arctanh(_to_float(_as_tensor(x)))


def floor(x) -> torch.Tensor:
    """Element-wise floor; integers give ``floatx()``."""
    return torch.floor(_to_float(_as_tensor(x)))


def ceil(x) -> torch.Tensor:
    """Element-wise ceiling; integers give ``floatx()``."""
    return torch.ceil(_to_float(_as_tensor(x)))


def trunc(x) -> torch.Tensor:
    """Element-wise rounding towards zero."""
    x = _as_tensor(x)
    return x if x.dtype == torch.bool else torch.trunc(x)


def round(x, decimals=0) -> torch.Tensor:
    """Element-wise rounding to ``decimals`` places, halves to even.

    >>> round(torch.tensor([0.5, 1.5, 2.25]), 1)
    tensor([0.5000, 1.5000, 2.2000])
    """
    x = _as_tensor(x)
    if x.is_floating_point():
        return torch.round(x, decimals=decimals)
    if decimals >= 0:
        return x
    return torch.round(x.to(_floatx_dtype()), decimals=decimals).to(x.dtype)


def clip(x, x_min, x_max) -> torch.Tensor:
    """Clips ``x`` to ``[x_min, x_max]``.

    >>> clip(torch.tensor([-2.0, 0.5, 3.0]), 0.0, 1.0)
    tensor([0.0000, 0.5000, 1.0000])
    """
    x = _as_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    if (
        isinstance(x_min, (int, float))
        and isinstance(x_max, (int, float))
        and (x.is_floating_point() or not isinstance(x_min, float) and not isinstance(x_max, float))
    ):
        return torch.clamp(x, x_min, x_max)
    return torch.clamp(x, _tensor(x_min, x), _tensor(x_max, x))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None) -> torch.Tensor:
    """Replaces NaN and infinities with finite numbers."""
    return torch.nan_to_num(_as_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


# -------------------------------------------------------------------------- comparison
def equal(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 == x2``."""
    return torch.eq(*_binary(x1, x2))


def not_equal(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 != x2``."""
    return torch.ne(*_binary(x1, x2))


def greater(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 > x2``."""
    return torch.gt(*_binary(x1, x2))


def greater_equal(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 >= x2``."""
    return torch.ge(*_binary(x1, x2))


def less(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 < x2``."""
    return torch.lt(*_binary(x1, x2))


def less_equal(x1, x2) -> torch.Tensor:
    """Element-wise ``x1 <= x2``."""
    return torch.le(*_binary(x1, x2))


def logical_and(x1, x2) -> torch.Tensor:
    """Element-wise logical AND (non-zero is true)."""
    return torch.logical_and(*_tensors(x1, x2))


def logical_or(x1, x2) -> torch.Tensor:
    """Element-wise logical OR (non-zero is true)."""
    return torch.logical_or(*_tensors(x1, x2))


def logical_xor(x1, x2) -> torch.Tensor:
    """Element-wise logical XOR (non-zero is true)."""
    return torch.logical_xor(*_tensors(x1, x2))


def logical_not(x) -> torch.Tensor:
    """Element-wise logical NOT (non-zero is true)."""
    return torch.logical_not(_as_tensor(x))


def isnan(x) -> torch.Tensor:
    """Element-wise test for NaN."""
    return torch.isnan(_as_tensor(x))


def isinf(x) -> torch.Tensor:
    """Element-wise test for positive or negative infinity."""
    return torch.isinf(_as_tensor(x))


def isfinite(x) -> torch.Tensor:
    """Element-wise test for finite values."""
    return torch.isfinite(_as_tensor(x))


def isin(x1, x2, assume_unique=False, invert=False) -> torch.Tensor:
    """Whether each element of ``x1`` occurs in ``x2``."""
    x1, x2 = _tensors(x1, x2)
    x1, x2 = _promote(x1, x2)
    if x1.dtype == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False) -> torch.Tensor:
    """Element-wise ``|x1 - x2| <= atol + rtol * |x2|``; exact equality for integers."""
    x1, x2 = _promote(*_tensors(x1, x2))
    if x1.is_floating_point() or x1.is_complex():
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False) -> torch.Tensor:
    """Whether `isclose` holds for every element (a boolean scalar tensor)."""
    return torch.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


def where(condition, x1=None, x2=None):
    """Picks ``x1`` where ``condition`` holds and ``x2`` elsewhere.

    With only ``condition``, returns the indices of its non-zero elements as a tensor of
    shape ``(ndim, count)`` (not traceable without dynamic shapes).

    >>> where(torch.tensor([True, False]), 1.0, torch.tensor([5.0, 6.0]))
    tensor([1., 6.])
    """
    if (x1 is None) != (x2 is None):
        raise ValueError(
            "`x1` and `x2` either both should be `None` or both should have non-None value."
        )
    condition = _as_tensor(condition)
    if condition.dtype != torch.bool:
        condition = condition.to(torch.bool)
    if x1 is None:
        return torch.stack(torch.where(condition), dim=0)
    if not isinstance(x1, torch.Tensor) and not isinstance(x2, torch.Tensor):
        # torch would make two Python ints int64; Keras' dtypes come from convert_to_tensor.
        x1, x2 = _convert(x1, None, condition.device), _convert(x2, None, condition.device)
    else:
        x1, x2 = _binary(x1, x2)
    return torch.where(condition, x1, x2)


def select(condlist, choicelist, default=0) -> torch.Tensor:
    """Picks, element-wise, the choice of the first true condition (else ``default``).

    >>> x = torch.arange(4.0)
    >>> select([x < 1, x > 2], [x, x * 10], default=-1.0)
    tensor([ 0., -1., -1., 30.])
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError(
            "condlist and choicelist must be lists. Received: "
            f"type(condlist) = {type(condlist)}, type(choicelist) = {type(choicelist)}"
        )
    if not condlist or not choicelist:
        raise ValueError(
            "condlist and choicelist must not be empty. Received: "
            f"condlist = {condlist}, choicelist = {choicelist}"
        )
    choices = [_as_tensor(c) for c in choicelist]
    out = _tensor(default, choices[0])
    for c, v in zip(reversed(condlist), reversed(choices), strict=True):
        out = torch.where(_as_tensor(c).to(torch.bool), v, out)
    return out


# -------------------------------------------------------------------------- reductions
def sum(x, axis=None, keepdims=False) -> torch.Tensor:
    """Sum over ``axis`` (all axes when ``None``); bool and small ints sum to int32.

    >>> sum(torch.tensor([[1, 2], [3, 4]], dtype=torch.int8), axis=0)
    tensor([4, 6], dtype=torch.int32)
    """
    if isinstance(x, (list, tuple)):
        x = stack(x)
    x = _as_tensor(x)
    out_dtype = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    if axis == () or axis == []:
        return x.to(out_dtype)
    return torch.sum(x, dim=_dims(axis), keepdim=keepdims, dtype=out_dtype)


def _mean_dtypes(x: torch.Tensor):
    # (compute dtype, result dtype): half floats are averaged in float32.
    if x.dtype in _HALF:
        return torch.float32, x.dtype
    if x.is_floating_point() or x.is_complex():
        return x.dtype, x.dtype
    return torch.float32, torch.float32


def mean(x, axis=None, keepdims=False) -> torch.Tensor:
    """Mean over ``axis``; integers give float32, half floats are averaged in float32.

    >>> mean(torch.tensor([[1, 2], [3, 4]]), axis=1)
    tensor([1.5000, 3.5000])
    """
    if isinstance(x, (list, tuple)):
        x = stack(x)
    x = _as_tensor(x)
    if x.dtype in _FULL_FLOATS and axis != () and axis != []:  # the common case, fast
        return torch.mean(x, dim=_dims(axis), keepdim=keepdims)
    compute, out = _mean_dtypes(x)
    if axis == () or axis == []:
        return x.to(out)
    return torch.mean(x.to(compute), dim=_dims(axis), keepdim=keepdims).to(out)


def var(x, axis=None, keepdims=False) -> torch.Tensor:
    """Population variance (no Bessel correction) over ``axis``."""
    x = _as_tensor(x)
    compute, out = _mean_dtypes(x)
    if axis == () or axis == []:
        return torch.zeros_like(x, dtype=out)
    return torch.var(x.to(compute), dim=_dims(axis), keepdim=keepdims, correction=0).to(out)


def std(x, axis=None, keepdims=False) -> torch.Tensor:
    """Population standard deviation (no Bessel correction) over ``axis``."""
    x = _as_tensor(x)
    compute, out = _mean_dtypes(x)
    if axis == () or axis == []:
        return torch.zeros_like(x, dtype=out)
    return torch.std(x.to(compute), dim=_dims(axis), keepdim=keepdims, correction=0).to(out)


def _extremum(x, axis, keepdims, initial, reduce_fn, combine_fn, name):
    x = _as_tensor(x)
    if 0 in x.shape:
        if initial is None:
            raise ValueError(f"Cannot compute the {name} of an empty tensor.")
        out_shape = (1,) * x.ndim if keepdims else ()
        return torch.full(out_shape, initial, dtype=x.dtype, device=x.device)
    if axis == () or axis == []:
        out = x
    else:
        out = reduce_fn(x, dim=_all_dims(x, axis), keepdim=keepdims)
    if initial is not None:
        out = combine_fn(out, torch.tensor(initial, dtype=out.dtype, device=out.device))
    return out


def max(x, axis=None, keepdims=False, initial=None) -> torch.Tensor:
    """Maximum over ``axis``; ``initial`` is a lower bound for the result.

    >>> max(torch.tensor([[1, 5], [3, 2]]), axis=0)
    tensor([3, 5])
    """
    return _extremum(x, axis, keepdims, initial, torch.amax, torch.maximum, "max")


def min(x, axis=None, keepdims=False, initial=None) -> torch.Tensor:
    """Minimum over ``axis``; ``initial`` is an upper bound for the result."""
    return _extremum(x, axis, keepdims, initial, torch.amin, torch.minimum, "min")


def amax(x, axis=None, keepdims=False) -> torch.Tensor:
    """Maximum over ``axis`` (alias of `max` without ``initial``)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False) -> torch.Tensor:
    """Minimum over ``axis`` (alias of `min` without ``initial``)."""
    return min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False, dtype=None) -> torch.Tensor:
    """Product over ``axis``; bool and small ints multiply to int32."""
    x = _as_tensor(x)
    if dtype is None:
        out = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    else:
        out = to_torch_dtype(dtype)
    if axis is None:
        result = torch.prod(x, dtype=out)
        if keepdims:
            result = result.reshape((1,) * x.ndim)
        return result
    dims = [_canonical_axis(a, x.ndim) for a in ((axis,) if isinstance(axis, int) else axis)]
    for a in sorted(dims, reverse=True):  # torch.prod reduces one axis at a time
        x = torch.prod(x, dim=a, keepdim=keepdims, dtype=out)
    return x.to(out)


def all(x, axis=None, keepdims=False) -> torch.Tensor:
    """Whether every element along ``axis`` is non-zero."""
    x = _as_tensor(x)
    if axis == () or axis == []:
        return x.to(torch.bool)
    return torch.all(x, dim=_all_dims(x, axis), keepdim=keepdims)


def any(x, axis=None, keepdims=False) -> torch.Tensor:
    """Whether any element along ``axis`` is non-zero."""
    x = _as_tensor(x)
    if axis == () or axis == []:
        return x.to(torch.bool)
    return torch.any(x, dim=_all_dims(x, axis), keepdim=keepdims)


def count_nonzero(x, axis=None) -> torch.Tensor:
    """Number of non-zero elements along ``axis``, as int32."""
    x = _as_tensor(x)
    if axis == () or axis == []:
        return torch.ne(x, 0).to(torch.int32)
    return torch.count_nonzero(x, dim=_dims(axis)).to(torch.int32)


def _arg_input(x) -> torch.Tensor:
    x = _as_tensor(x)
    return x.to(torch.uint8) if x.dtype == torch.bool else x


def argmax(x, axis=None, keepdims=False) -> torch.Tensor:
    """Index of the maximum along ``axis`` (of the flattened tensor if ``None``), int32.

    >>> argmax(torch.tensor([[1, 5], [7, 2]]), axis=1)
    tensor([1, 0], dtype=torch.int32)
    """
    x = _arg_input(x)
    if axis is None and keepdims:
        return torch.argmax(x.reshape(-1)).reshape((1,) * x.ndim).to(torch.int32)
    return torch.argmax(x, dim=axis, keepdim=keepdims).to(torch.int32)


def argmin(x, axis=None, keepdims=False) -> torch.Tensor:
    """Index of the minimum along ``axis`` (of the flattened tensor if ``None``), int32."""
    x = _arg_input(x)
    if axis is None and keepdims:
        return torch.argmin(x.reshape(-1)).reshape((1,) * x.ndim).to(torch.int32)
    return torch.argmin(x, dim=axis, keepdim=keepdims).to(torch.int32)


def _cumulative(fn, x, axis, dtype):
    x = _as_tensor(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if dtype is None:
        out = torch.int32 if x.dtype == torch.bool else x.dtype
    else:
        out = to_torch_dtype(dtype)
    return fn(x, dim=axis, dtype=out)


def cumsum(x, axis=None, dtype=None) -> torch.Tensor:
    """Cumulative sum along ``axis`` (of the flattened tensor if ``None``).

    >>> cumsum(torch.tensor([1, 2, 3], dtype=torch.int32))
    tensor([1, 3, 6], dtype=torch.int32)
    """
    return _cumulative(torch.cumsum, x, axis, dtype)


def cumprod(x, axis=None, dtype=None) -> torch.Tensor:
    """Cumulative product along ``axis`` (of the flattened tensor if ``None``)."""
    return _cumulative(torch.cumprod, x, axis, dtype)


def average(x, axis=None, weights=None) -> torch.Tensor:
    """Weighted mean along ``axis`` (plain mean without ``weights``)."""
    x = _to_float(_as_tensor(x))
    if weights is None:
        return mean(x, axis=axis)
    weights = _to_float(_tensor(weights, x))
    x, weights = _promote(x, weights)
    if axis is None:
        return torch.sum(x * weights) / torch.sum(weights)
    if weights.ndim == 1 and x.ndim > 1:
        view = [1] * x.ndim
        view[axis] = -1
        weights = weights.reshape(view)
    return torch.sum(x * weights, dim=axis) / torch.sum(weights.expand_as(x), dim=axis)


def median(x, axis=None, keepdims=False) -> torch.Tensor:
    """Median along ``axis``, averaging the two middle values for even counts."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def quantile(x, q, axis=None, method="linear", keepdims=False) -> torch.Tensor:
    """The ``q``-th quantile(s) along ``axis``; ``method`` as in ``torch.quantile``."""
    x = _to_float(_as_tensor(x))
    out_dtype = x.dtype
    compute = torch.float32 if x.dtype in _HALF else x.dtype
    x = x.to(compute)
    q = _tensor(q, x).to(compute)
    if axis is None:
        y = x.reshape(-1)
        dims = list(range(x.ndim))
    else:
        dims = sorted(
            _canonical_axis(a, x.ndim) for a in ((axis,) if isinstance(axis, int) else axis)
        )
        rest = [d for d in range(x.ndim) if d not in dims]
        y = x.permute(rest + dims).reshape([x.shape[d] for d in rest] + [-1])
    y = torch.quantile(y, q, dim=-1, interpolation=method)
    if keepdims:
        offset = 1 if q.ndim > 0 else 0
        for d in dims:
            y = y.unsqueeze(d + offset)
    return y.to(out_dtype)


def percentile(x, q, axis=None, method="linear", keepdims=False) -> torch.Tensor:
    """The ``q``-th percentile(s) (``q`` in ``[0, 100]``) along ``axis``."""
    q = _as_tensor(q) if isinstance(q, torch.Tensor) else _convert(q, None)
    return quantile(x, q / 100.0, axis=axis, method=method, keepdims=keepdims)


def diff(a, n=1, axis=-1) -> torch.Tensor:
    """``n``-th discrete difference along ``axis``."""
    return torch.diff(_as_tensor(a), n=n, dim=axis)


def trace(x, offset=0, axis1=0, axis2=1) -> torch.Tensor:
    """Sum along a diagonal of ``x``."""
    x = _as_tensor(x)
    out = torch.int32 if x.dtype in _SMALL_INTS else x.dtype
    return torch.sum(torch.diagonal(x, offset, axis1, axis2), dim=-1, dtype=out)


# --------------------------------------------------------------------------- creation
def _shape_tuple(shape):
    if isinstance(shape, (int, torch.SymInt)):
        return (shape,)
    return tuple(shape)


def _dtype_or_floatx(dtype) -> torch.dtype:
    return to_torch_dtype(dtype or floatx())


def zeros(shape, dtype=None) -> torch.Tensor:
    """A tensor of zeros (``floatx()`` unless ``dtype`` is given).

    >>> zeros((2, 3)).shape
    torch.Size([2, 3])
    """
    return torch.zeros(_shape_tuple(shape), dtype=_dtype_or_floatx(dtype))


def ones(shape, dtype=None) -> torch.Tensor:
    """A tensor of ones (``floatx()`` unless ``dtype`` is given)."""
    return torch.ones(_shape_tuple(shape), dtype=_dtype_or_floatx(dtype))


def empty(shape, dtype=None) -> torch.Tensor:
    """An uninitialised tensor (``floatx()`` unless ``dtype`` is given)."""
    return torch.empty(_shape_tuple(shape), dtype=_dtype_or_floatx(dtype))


def full(shape, fill_value, dtype=None) -> torch.Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (``floatx()`` by default, as Keras'
    torch backend does).

    >>> full((2,), 7, dtype="int32")
    tensor([7, 7], dtype=torch.int32)
    """
    shape = _shape_tuple(shape)
    dt = _dtype_or_floatx(dtype)
    if isinstance(fill_value, (int, float, bool)):
        return torch.full(shape, fill_value, dtype=dt)
    fill_value = _as_tensor(fill_value).to(dt)
    return fill_value.expand(shape).clone()


def zeros_like(x, dtype=None) -> torch.Tensor:
    """Zeros with the shape (and, by default, dtype and device) of ``x``."""
    x = _as_tensor(x)
    return torch.zeros_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


def ones_like(x, dtype=None) -> torch.Tensor:
    """Ones with the shape (and, by default, dtype and device) of ``x``."""
    x = _as_tensor(x)
    return torch.ones_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


def empty_like(x, dtype=None) -> torch.Tensor:
    """An uninitialised tensor with the shape (and by default dtype) of ``x``."""
    x = _as_tensor(x)
    return torch.empty_like(x, dtype=None if dtype is None else to_torch_dtype(dtype))


def full_like(x, fill_value, dtype=None) -> torch.Tensor:
    """``fill_value`` with the shape (and by default dtype and device) of ``x``."""
    x = _as_tensor(x)
    dt = x.dtype if dtype is None else to_torch_dtype(dtype)
    if isinstance(fill_value, (int, float, bool)):
        return torch.full_like(x, fill_value, dtype=dt)
    return _tensor(fill_value, x).to(dt).expand(x.shape).clone()


def _arange_dtype(*values) -> torch.dtype:
    kinds = [v.dtype if isinstance(v, torch.Tensor) else type(v) for v in values if v is not None]
    kinds = [
        float if k is not int and isinstance(k, type) and issubclass(k, float) else k for k in kinds
    ]
    return to_torch_dtype(result_type(*kinds))


def arange(start, stop=None, step=None, dtype=None) -> torch.Tensor:
    """Evenly spaced values in ``[start, stop)``; Python ints give int32.

    >>> arange(3)
    tensor([0, 1, 2], dtype=torch.int32)
    >>> arange(0, 1, 0.25)
    tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    dt = _arange_dtype(start, stop, step) if dtype is None else to_torch_dtype(dtype)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    return torch.arange(start, stop, step, dtype=dt)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``.

    Args:
        start: Start value(s): a scalar or a tensor (then every element gets a ramp).
        stop: End value(s).
        num: Number of values.
        endpoint: Whether ``stop`` is included.
        retstep: Also return the spacing.
        dtype: Output dtype; ``floatx()`` by default.
        axis: Axis of the result along which the values run (for tensor bounds).

    >>> linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    if dtype is None:
        dt = to_torch_dtype(result_type(*(_kind(v) for v in (start, stop)), float))
    else:
        dt = to_torch_dtype(dtype)
    compute = dt if dt.is_floating_point else _floatx_dtype()
    div = (num - 1) if endpoint else num
    scalar_bounds = isinstance(start, (int, float)) and isinstance(stop, (int, float))
    if scalar_bounds and endpoint:
        out = torch.linspace(start, stop, num, dtype=compute)
        step = (stop - start) / div if div > 0 else float("nan")
    else:
        start_t = _as_tensor(start).to(compute)
        stop_t = _tensor(stop, start_t).to(compute)
        step = (stop_t - start_t) / div if div > 0 else torch.full_like(stop_t, float("nan"))
        ramp = torch.arange(num, dtype=compute, device=start_t.device)
        ramp = ramp.reshape((num,) + (1,) * builtins.max(start_t.ndim, stop_t.ndim))
        out = start_t + ramp * (step if div > 0 else 0)
        if endpoint and num > 1:
            out[-1] = stop_t  # exact end point, as NumPy gives
        if axis != 0:
            out = torch.movedim(out, 0, axis)
    out = out.to(dt)
    return (out, step) if retstep else out


def _kind(v):
    if isinstance(v, torch.Tensor):
        return v.dtype
    if isinstance(v, bool):
        return bool
    if isinstance(v, int):
        return int
    if isinstance(v, float):
        return float
    return _as_tensor(v).dtype


def eye(N, M=None, k=0, dtype=None) -> torch.Tensor:
    """A 2-D tensor with ones on the ``k``-th diagonal and zeros elsewhere.

    >>> eye(2, 3, k=1, dtype="int32")
    tensor([[0, 1, 0],
            [0, 0, 1]], dtype=torch.int32)
    """
    if isinstance(N, float) or isinstance(M, float):
        raise TypeError("Arguments `N` and `M` must be integers.")
    M = N if M is None else M
    dt = _dtype_or_floatx(dtype)
    if not k:
        return torch.eye(N, M, dtype=dt)
    rows = torch.arange(N).unsqueeze(1)
    cols = torch.arange(M).unsqueeze(0)
    return (cols - rows == k).to(dt)


def identity(n, dtype=None) -> torch.Tensor:
    """The ``n x n`` identity matrix."""
    return torch.eye(n, dtype=_dtype_or_floatx(dtype))


def tri(N, M=None, k=0, dtype=None) -> torch.Tensor:
    """Ones at and below the ``k``-th diagonal, zeros above."""
    M = N if M is None else M
    return torch.tril(torch.ones((N, M), dtype=_dtype_or_floatx(dtype)), diagonal=k)


def tril(x, k=0) -> torch.Tensor:
    """``x`` with the elements above the ``k``-th diagonal zeroed (last two axes)."""
    return torch.tril(_as_tensor(x), diagonal=k)


def triu(x, k=0) -> torch.Tensor:
    """``x`` with the elements below the ``k``-th diagonal zeroed (last two axes)."""
    return torch.triu(_as_tensor(x), diagonal=k)


def array(x, dtype=None) -> torch.Tensor:
    """Alias of `kshim.ops.convert_to_tensor`."""
    return convert_to_tensor(x, dtype=dtype)


def copy(x) -> torch.Tensor:
    """A copy of ``x``."""
    return torch.clone(_as_tensor(x))


def meshgrid(*x, indexing="xy") -> list[torch.Tensor]:
    """Coordinate grids from 1-D tensors (``"xy"`` Cartesian or ``"ij"`` matrix indexing)."""
    return list(torch.meshgrid(*[_as_tensor(v) for v in x], indexing=indexing))


def diag(x, k=0) -> torch.Tensor:
    """Diagonal of a matrix, or a matrix with a vector on its diagonal."""
    return torch.diag(_as_tensor(x), diagonal=k)


def diagonal(x, offset=0, axis1=0, axis2=1) -> torch.Tensor:
    """Diagonal(s) of ``x`` over the plane ``(axis1, axis2)``, appended as the last axis."""
    return torch.diagonal(_as_tensor(x), offset=offset, dim1=axis1, dim2=axis2)


# -------------------------------------------------------------------- shape and layout
def reshape(x, newshape) -> torch.Tensor:
    """``x`` with shape ``newshape`` (one entry may be -1)."""
    if isinstance(newshape, (int, torch.SymInt)):
        newshape = (newshape,)
    return torch.reshape(_as_tensor(x), tuple(newshape))


def ravel(x) -> torch.Tensor:
    """``x`` flattened to one axis."""
    return torch.ravel(_as_tensor(x))


def transpose(x, axes=None) -> torch.Tensor:
    """Permutes the axes of ``x``; reverses them when ``axes`` is ``None``.

    >>> transpose(torch.zeros(2, 3, 4)).shape
    torch.Size([4, 3, 2])
    """
    x = _as_tensor(x)
    if axes is None:
        axes = tuple(range(x.ndim - 1, -1, -1))
    return x.permute(tuple(axes))


def moveaxis(x, source, destination) -> torch.Tensor:
    """Moves axes of ``x`` from ``source`` to ``destination`` positions."""
    return torch.movedim(_as_tensor(x), _dims(source), _dims(destination))


def swapaxes(x, axis1, axis2) -> torch.Tensor:
    """Swaps two axes of ``x``."""
    return torch.swapaxes(_as_tensor(x), axis1, axis2)


def expand_dims(x, axis) -> torch.Tensor:
    """Inserts size-1 axes at ``axis`` (an int or a tuple) of the result.

    >>> expand_dims(torch.zeros(2, 3), (0, -1)).shape
    torch.Size([1, 2, 3, 1])
    """
    x = _as_tensor(x)
    if isinstance(axis, int):
        return torch.unsqueeze(x, axis)
    out_ndim = x.ndim + len(axis)
    for a in sorted(_canonical_axis(a, out_ndim) for a in axis):
        x = torch.unsqueeze(x, a)
    return x


def squeeze(x, axis=None) -> torch.Tensor:
    """Removes size-1 axes (only those in ``axis`` when given)."""
    x = _as_tensor(x)
    if axis is None:
        return torch.squeeze(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(
                f"Cannot squeeze axis {a}, because its size is not 1. "
                f"Received: x.shape={tuple(x.shape)}"
            )
    return torch.squeeze(x, dim=axes)


def broadcast_to(x, shape) -> torch.Tensor:
    """``x`` broadcast to ``shape`` (a view, no copy)."""
    return torch.broadcast_to(_as_tensor(x), _shape_tuple(shape))


def tile(x, repeats) -> torch.Tensor:
    """``x`` repeated ``repeats`` times along each axis (NumPy's ``tile``)."""
    if isinstance(repeats, int):
        repeats = (repeats,)
    elif isinstance(repeats, torch.Tensor):
        repeats = tuple(int(r) for r in repeats.tolist())
    return torch.tile(_as_tensor(x), tuple(repeats))


def repeat(x, repeats, axis=None) -> torch.Tensor:
    """Repeats each element of ``x`` ``repeats`` times along ``axis`` (flattened if ``None``).

    >>> repeat(torch.tensor([[1, 2]]), 2, axis=1)
    tensor([[1, 1, 2, 2]])
    """
    x = _as_tensor(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    if isinstance(repeats, int):
        # expand + reshape keeps the output shape static (repeat_interleave does not).
        axis = _canonical_axis(axis, x.ndim)
        expanded = x.unsqueeze(axis + 1).expand(*x.shape[: axis + 1], repeats, *x.shape[axis + 1 :])
        return expanded.reshape(*x.shape[:axis], x.shape[axis] * repeats, *x.shape[axis + 1 :])
    if not isinstance(repeats, torch.Tensor):
        repeats = torch.as_tensor(repeats, dtype=torch.int64, device=x.device)
    return torch.repeat_interleave(x, repeats, dim=axis)


def flip(x, axis=None) -> torch.Tensor:
    """Reverses ``x`` along ``axis`` (all axes if ``None``)."""
    x = _as_tensor(x)
    dims = (
        tuple(range(x.ndim))
        if axis is None
        else ((axis,) if isinstance(axis, int) else tuple(axis))
    )
    return torch.flip(x, dims)


def fliplr(x) -> torch.Tensor:
    """Reverses ``x`` along axis 1."""
    return torch.flip(_as_tensor(x), (1,))


def flipud(x) -> torch.Tensor:
    """Reverses ``x`` along axis 0."""
    return torch.flip(_as_tensor(x), (0,))


def roll(x, shift, axis=None) -> torch.Tensor:
    """Rolls elements of ``x`` by ``shift`` along ``axis`` (over the flat tensor if ``None``)."""
    x = _as_tensor(x)
    if axis is None:
        return torch.roll(x, shift)
    return torch.roll(x, shift, _dims(axis))


def concatenate(xs, axis=0) -> torch.Tensor:
    """Joins tensors along an existing axis (``axis=None`` flattens them first)."""
    tensors = _as_tensor_list(xs)
    if axis is None:
        return torch.cat([t.reshape(-1) for t in tensors])
    return torch.cat(tensors, dim=axis)


def append(x1, x2, axis=None) -> torch.Tensor:
    """``x2`` appended to ``x1`` along ``axis`` (both flattened if ``None``)."""
    return concatenate([x1, x2], axis=axis)


def _as_tensor_list(xs) -> list[torch.Tensor]:
    device = next((t.device for t in xs if isinstance(t, torch.Tensor)), None)
    return [t if isinstance(t, torch.Tensor) else _convert(t, None, device) for t in xs]


def stack(x, axis=0) -> torch.Tensor:
    """Joins tensors of one shape along a new axis."""
    return torch.stack(_as_tensor_list(x), dim=axis)


def vstack(xs) -> torch.Tensor:
    """Stacks tensors along the first axis (1-D tensors become rows)."""
    return torch.vstack(_as_tensor_list(xs))


def hstack(xs) -> torch.Tensor:
    """Stacks tensors along the second axis (the first for 1-D tensors)."""
    return torch.hstack(_as_tensor_list(xs))


def dstack(xs) -> torch.Tensor:
    """Stacks tensors along the third axis."""
    return torch.dstack(_as_tensor_list(xs))


def split(x, indices_or_sections, axis=0) -> list[torch.Tensor]:
    """Splits ``x`` into equal sections, or at the given indices, along ``axis``.

    >>> [t.tolist() for t in split(torch.arange(6), [2, 5])]
    [[0, 1], [2, 3, 4], [5]]
    """
    x = _as_tensor(x)
    size = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if size % indices_or_sections != 0:
            raise ValueError(
                f"Received indices_or_sections={indices_or_sections} (interpreted as a "
                f"number of sections) and axis={axis}, but input dimension "
                f"x.shape[{axis}]={size} is not divisible by {indices_or_sections}. "
                f"Full input shape: x.shape={tuple(x.shape)}"
            )
        if size == 0:
            return [x.clone() for _ in range(indices_or_sections)]
        return list(torch.split(x, size // indices_or_sections, dim=axis))
    if isinstance(indices_or_sections, torch.Tensor):
        indices_or_sections = indices_or_sections.tolist()
    bounds = [0, *(builtins.min(builtins.max(int(i), 0), size) for i in indices_or_sections), size]
    sizes = [builtins.max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return list(torch.split(x, sizes, dim=axis))


def array_split(x, indices_or_sections, axis=0) -> list[torch.Tensor]:
    """Like `split`, but sections may differ in size by one."""
    return list(torch.tensor_split(_as_tensor(x), indices_or_sections, dim=axis))


def pad(x, pad_width, mode="constant", constant_values=None) -> torch.Tensor:
    """Pads ``x``.

    Args:
        x: Tensor to pad.
        pad_width: ``int``, ``(before, after)`` for every axis, or one ``(before, after)``
            per axis.
        mode: ``"constant"``, ``"reflect"``, ``"symmetric"``, ``"edge"`` or ``"wrap"``
            (as in NumPy).
        constant_values: Fill value for ``"constant"`` (default 0).

    >>> pad(torch.tensor([1, 2, 3]), (1, 2), mode="symmetric")
    tensor([1, 1, 2, 3, 3, 2])
    """
    x = _as_tensor(x)
    if constant_values is not None and mode != "constant":
        raise ValueError(
            "Argument `constant_values` can only be provided when `mode == 'constant'`. "
            f"Received: mode={mode}"
        )
    pairs = _pad_pairs(pad_width, x.ndim)
    if mode == "constant":
        flat = []
        for before, after in reversed(pairs):
            flat += [before, after]
        return F.pad(x, flat, value=0 if constant_values is None else constant_values)
    if mode not in ("reflect", "symmetric", "edge", "wrap"):
        raise ValueError(
            "Argument `mode` must be one of 'constant', 'reflect', 'symmetric', 'edge' or "
            f"'wrap'. Received: mode={mode}"
        )
    for dim, (before, after) in enumerate(pairs):
        if before or after:
            x = _pad_axis(x, dim, before, after, mode)
    return x


def _pad_pairs(pad_width, ndim: int) -> list[tuple[int, int]]:
    if isinstance(pad_width, int):
        return [(pad_width, pad_width)] * ndim
    pad_width = list(pad_width)
    if pad_width and isinstance(pad_width[0], int):
        if len(pad_width) == 1:
            return [(pad_width[0], pad_width[0])] * ndim
        return [tuple(pad_width)] * ndim
    pairs = [(p[0], p[0]) if len(p) == 1 else (p[0], p[1]) for p in pad_width]
    if len(pairs) == 1:
        return pairs * ndim
    if len(pairs) != ndim:
        raise ValueError(
            "`pad_width` must have the same length as `x.shape`. Received: "
            f"pad_width={pad_width} (of length {len(pairs)}) and x.ndim={ndim}"
        )
    return pairs


def _pad_axis(x, dim, before, after, mode):
    n = x.shape[dim]
    if mode == "reflect":
        left = torch.flip(x.narrow(dim, 1, before), (dim,))
        right = torch.flip(x.narrow(dim, n - 1 - after, after), (dim,))
    elif mode == "symmetric":
        left = torch.flip(x.narrow(dim, 0, before), (dim,))
        right = torch.flip(x.narrow(dim, n - after, after), (dim,))
    elif mode == "edge":
        shape = list(x.shape)
        shape[dim] = before
        left = x.narrow(dim, 0, 1).expand(shape)
        shape[dim] = after
        right = x.narrow(dim, n - 1, 1).expand(shape)
    else:  # wrap
        left = x.narrow(dim, n - before, before)
        right = x.narrow(dim, 0, after)
    return torch.cat([left, x, right], dim=dim)


# ----------------------------------------------------------------------------- indexing
def _fix_negative(indices: torch.Tensor, size) -> torch.Tensor:
    return torch.where(indices < 0, indices + size, indices)


def get_item(x, key) -> torch.Tensor:
    """``x[key]``."""
    x = _as_tensor(x)
    if isinstance(key, list):
        key = tuple(key)
    return x[key]


def take(x, indices, axis=None) -> torch.Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flat tensor if ``None``).

    Negative indices count from the end.

    >>> take(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, -2]), axis=1)
    tensor([[2, 1],
            [4, 3]])
    """
    x = _as_tensor(x)
    indices = _tensor(indices, x).to(torch.int64)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    axis = _canonical_axis(axis, x.ndim)
    indices = _fix_negative(indices, x.shape[axis])
    if x.ndim == 2 and axis == 0:
        return F.embedding(indices, x)  # the embedding-lookup fast path
    out = torch.index_select(x, axis, indices.reshape(-1))
    return out.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1 :])


def take_along_axis(x, indices, axis=None) -> torch.Tensor:
    """Elements of ``x`` at ``indices`` matched along ``axis`` (NumPy semantics)."""
    x = _as_tensor(x)
    indices = _tensor(indices, x).to(torch.int64)
    if axis is None:
        x = x.reshape(-1)
        indices = indices.reshape(-1)
        axis = 0
    indices = _fix_negative(indices, x.shape[axis])
    return torch.take_along_dim(x, indices, dim=axis)


def sort(x, axis=-1) -> torch.Tensor:
    """``x`` sorted in ascending order along ``axis`` (flattened if ``None``)."""
    x = _as_tensor(x)
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    return torch.sort(x, dim=axis).values


def argsort(x, axis=-1) -> torch.Tensor:
    """Indices that sort ``x`` along ``axis`` (stable), as int32."""
    x = _arg_input(x)
    if axis is None:
        x = x.reshape(-1)
        axis = -1
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


def searchsorted(sorted_sequence, values, side="left") -> torch.Tensor:
    """Indices at which ``values`` would be inserted into a sorted 1-D sequence."""
    sorted_sequence = _as_tensor(sorted_sequence)
    if sorted_sequence.ndim != 1:
        raise ValueError(
            "`searchsorted` only supports 1-D sorted sequences. Received: "
            f"sorted_sequence.shape={tuple(sorted_sequence.shape)}"
        )
    values = _tensor(values, sorted_sequence)
    return torch.searchsorted(sorted_sequence, values, side=side, out_int32=True)


def digitize(x, bins) -> torch.Tensor:
    """Index of the bin each value of ``x`` falls in (NumPy's ``digitize``), int32."""
    x = _arg_input(x)
    bins = _tensor(bins, x)
    return torch.bucketize(x, bins, right=True).to(torch.int32)


def nonzero(x) -> tuple[torch.Tensor, ...]:
    """Indices of the non-zero elements, one int32 tensor per axis."""
    return tuple(i.to(torch.int32) for i in torch.nonzero(_as_tensor(x), as_tuple=True))


def unique(
    x,
    sorted=True,
    return_index=False,
    return_inverse=False,
    return_counts=False,
    axis=None,
    size=None,
    fill_value=None,
):
    """Unique elements of ``x`` (flattened unless ``axis`` is given).

    Args:
        x: Input tensor.
        sorted: Whether the unique values are sorted.
        return_index: Also return the index of the first occurrence of each value.
        return_inverse: Also return, for each element, the index of its unique value.
        return_counts: Also return how often each unique value occurs.
        axis: Axis along which to find unique slices; ``None`` flattens ``x``.
        size: If given, pad (with ``fill_value``, 0 by default) or truncate the unique
            values to this many, giving a static output shape.
        fill_value: Padding value for ``size``.

    >>> unique(torch.tensor([3, 1, 3, 2]))
    tensor([1, 2, 3])
    """
    x = _as_tensor(x)
    values, inverse, counts = torch.unique(
        x, sorted=sorted, return_inverse=True, return_counts=True, dim=axis
    )
    dim = 0 if axis is None else _canonical_axis(axis, x.ndim)
    first = None
    if return_index:
        positions = torch.arange(inverse.shape[0], device=x.device, dtype=inverse.dtype)
        first = torch.full(
            (values.shape[dim],), inverse.shape[0], dtype=inverse.dtype, device=x.device
        ).scatter_reduce(0, inverse.reshape(-1), positions, "amin")
    if size is not None:
        n = values.shape[dim]
        if n >= size:
            values = values.narrow(dim, 0, size)
            counts = counts[:size]
            first = None if first is None else first[:size]
        else:
            pad_shape = list(values.shape)
            pad_shape[dim] = size - n
            filler = torch.full(
                pad_shape,
                0 if fill_value is None else fill_value,
                dtype=values.dtype,
                device=values.device,
            )
            values = torch.cat([values, filler], dim=dim)
            counts = F.pad(counts, (0, size - n))
            if first is not None:
                first = F.pad(first, (0, size - n))
    outputs = [values]
    if return_index:
        outputs.append(first)
    if return_inverse:
        outputs.append(inverse if axis is not None else inverse.reshape(x.shape))
    if return_counts:
        outputs.append(counts)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def size(x) -> int:
    """Number of elements of ``x``."""
    return _as_tensor(x).numel()


def ndim(x) -> int:
    """Number of axes of ``x``."""
    return _as_tensor(x).ndim


# ------------------------------------------------------------------------ linear algebra
def matmul(x1, x2) -> torch.Tensor:
    """Matrix product with NumPy's broadcasting rules; int8 @ int8 gives int32.

    >>> matmul(torch.ones(2, 3), torch.ones(3, 4)).shape
    torch.Size([2, 4])
    """
    if (
        isinstance(x1, torch.Tensor)
        and isinstance(x2, torch.Tensor)
        and x1.dtype == x2.dtype
        and x1.is_floating_point()
    ):
        return torch.matmul(x1, x2)  # the common case, fast
    x1, x2 = _tensors(x1, x2)
    if x1.dtype == torch.int8 and x2.dtype == torch.int8:
        out = torch.int32
    else:
        out = torch.promote_types(x1.dtype, x2.dtype)
    compute = out
    if out == torch.bool or (not out.is_floating_point and x1.device.type != "cpu"):
        compute = _floatx_dtype()  # torch has no bool matmul, and no int matmul off CPU
    x1 = x1 if x1.dtype == compute else x1.to(compute)
    x2 = x2 if x2.dtype == compute else x2.to(compute)
    result = torch.matmul(x1, x2)
    return result if result.dtype == out else result.to(out)


def dot(x1, x2) -> torch.Tensor:
    """NumPy's ``dot``: sum product over the last axis of ``x1`` and the second-to-last
    of ``x2`` (a product if either is a scalar)."""
    x1, x2 = _promote(*_tensors(x1, x2))
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x1.ndim <= 2 and x2.ndim <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([x1.ndim - 1], [builtins.max(x2.ndim - 2, 0)]))


def tensordot(x1, x2, axes=2) -> torch.Tensor:
    """Sum product over the given axes (an int, or two sequences of axes)."""
    x1, x2 = _promote(*_tensors(x1, x2))
    if isinstance(axes, (list, tuple)):
        first, second = axes
        first = [first] if isinstance(first, int) else list(first)
        second = [second] if isinstance(second, int) else list(second)
        axes = (first, second)
    if x1.dtype == torch.bool:
        return torch.tensordot(x1.to(_floatx_dtype()), x2.to(_floatx_dtype()), dims=axes).to(
            torch.bool
        )
    return torch.tensordot(x1, x2, dims=axes)


def einsum(subscripts, *operands, **kwargs) -> torch.Tensor:
    """Einstein summation; operands are promoted to one dtype (int8-only gives int32).

    >>> einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(3, 1))
    tensor([[3.],
            [3.]])
    """
    tensors = _as_tensor_list(operands)
    if builtins.all(t.dtype == torch.int8 for t in tensors):
        return torch.einsum(subscripts, *[t.to(torch.int32) for t in tensors])
    return torch.einsum(subscripts, *_promote(*tensors))


def outer(x1, x2) -> torch.Tensor:
    """Outer product of the flattened ``x1`` and ``x2``."""
    x1, x2 = _tensors(x1, x2)
    return x1.reshape(-1, 1) * x2.reshape(1, -1)


def inner(x1, x2) -> torch.Tensor:
    """Sum product over the last axes of ``x1`` and ``x2``."""
    x1, x2 = _promote(*_tensors(x1, x2))
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return torch.inner(x1, x2)


def vdot(x1, x2) -> torch.Tensor:
    """Dot product of the flattened ``x1`` and ``x2``."""
    x1, x2 = _promote(*_tensors(x1, x2))
    return torch.sum(x1.reshape(-1) * x2.reshape(-1))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None) -> torch.Tensor:
    """Cross product of 3-vectors along the given axes."""
    x1, x2 = _promote(*_tensors(x1, x2))
    if axis is not None:
        axisa = axisb = axisc = axis
    x1 = torch.movedim(x1, axisa, -1)
    x2 = torch.movedim(x2, axisb, -1)
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.movedim(torch.linalg.cross(x1, x2, dim=-1), -1, axisc)
