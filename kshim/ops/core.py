"""Core ops: conversion, dtypes, shapes, slicing, scatter and control flow.

Everything here works on plain ``torch.Tensor``s and keeps to what ``torch.compile`` can
trace: no ``.item()``, no numpy and no host copies on the tensor path. Conversion of
numpy arrays and Python values happens once, at the edge, in `convert_to_tensor`.
"""

from __future__ import annotations

import builtins
import functools
import math
import operator

import numpy as np
import torch
from torch.utils import _pytree as pytree

from kshim.backend.config import floatx, standardize_dtype, to_torch_dtype

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
_HALF_TYPES = (torch.float16, torch.bfloat16)
_PYTHON_SCALARS = (bool, int, float, complex)

# numpy dtypes torch has no full support for, converted as Keras' torch backend does.
_NUMPY_REMAP = {np.dtype("uint16"): np.int32, np.dtype("uint32"): np.int64}


# --------------------------------------------------------------------------- conversion
def is_tensor(x) -> bool:
    """Returns ``True`` if ``x`` is a ``torch.Tensor`` (parameters and buffers included).

    >>> is_tensor(torch.ones(2)), is_tensor([1.0])
    (True, False)
    """
    return isinstance(x, torch.Tensor)


def _python_scalar_dtype(x) -> torch.dtype:
    # Keras' rule for Python scalars: bool, int32 (int64 when it does not fit), floatx.
    if isinstance(x, bool):
        return torch.bool
    if isinstance(x, int):
        return torch.int32 if _INT32_MIN <= x <= _INT32_MAX else torch.int64
    if isinstance(x, float):
        return to_torch_dtype(floatx())
    return torch.complex64


def _ints_fit_int32(x) -> bool:
    if isinstance(x, (list, tuple)):
        return builtins.all(_ints_fit_int32(e) for e in x)
    return not isinstance(x, (int, np.integer)) or _INT32_MIN <= x <= _INT32_MAX


def _from_numpy(x: np.ndarray, dtype: torch.dtype | None, device) -> torch.Tensor:
    if x.dtype.name == "bfloat16":  # ml_dtypes' bfloat16: torch cannot read it directly
        x = x.astype(np.float32)
        dtype = dtype or torch.bfloat16
    elif x.dtype in _NUMPY_REMAP:
        x = x.astype(_NUMPY_REMAP[x.dtype])
    elif x.dtype == np.float64 and dtype is None:
        dtype = to_torch_dtype(floatx())
    if not x.flags.writeable:
        # torch warns on read-only arrays (e.g. np.broadcast_to views); copy them.
        x = x.copy()
    return torch.as_tensor(x, dtype=dtype, device=device)


def _convert(x, dtype: torch.dtype | None, device=None) -> torch.Tensor:
    """Converts a non-tensor value; ``dtype`` is a torch dtype or ``None``."""
    if isinstance(x, _PYTHON_SCALARS):
        return torch.tensor(x, dtype=dtype or _python_scalar_dtype(x), device=device)
    if isinstance(x, (torch.SymInt, torch.SymFloat, torch.SymBool)):
        return torch.as_tensor(x, dtype=dtype, device=device)
    if isinstance(x, (list, tuple)):
        if builtins.any(isinstance(e, torch.Tensor) for e in x):
            out = torch.stack([_as_tensor(e, device=device) for e in x])
            return out if dtype is None else out.to(dtype)
        if not builtins.any(isinstance(e, np.ndarray) for e in x):
            if dtype is not None:
                return torch.as_tensor(x, dtype=dtype, device=device)
            out = torch.as_tensor(x, device=device)
            if out.is_floating_point():
                return out.to(to_torch_dtype(floatx()))
            if out.dtype == torch.int64 and _ints_fit_int32(x):
                return out.to(torch.int32)
            if out.is_complex():
                return out.to(torch.complex64)
            return out
    return _from_numpy(np.asarray(x), dtype, device)


def _as_tensor(x, device=None) -> torch.Tensor:
    """Fast internal conversion: tensors pass through, anything else is converted."""
    if isinstance(x, torch.Tensor):
        return x
    return _convert(x, None, device)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None) -> torch.Tensor:
    """Converts a numpy array, Python list or scalar to a ``torch.Tensor``.

    Tensors (``nn.Parameter``s included) pass through untouched, without a copy, unless a
    different ``dtype`` is asked for. New tensors go to ``torch.get_default_device()``.
    Without ``dtype``: Python floats and float64 numpy arrays become ``floatx()``
    (float32), Python ints become int32 (int64 if they do not fit), other numpy dtypes
    are kept.

    Args:
        x: A tensor, numpy array, Python scalar or (nested) list.
        dtype: Optional target dtype (a Keras name such as ``"float32"`` or a torch
            dtype).
        sparse: Must be falsy: torch tensors here are dense.
        ragged: Must be falsy: torch has no ragged tensors.

    Returns:
        A ``torch.Tensor``.

    Example:

    >>> convert_to_tensor(np.array([1.0, 2.0])).dtype
    torch.float32
    >>> convert_to_tensor([1, 2, 3]).dtype
    torch.int32
    >>> t = torch.ones(2)
    >>> convert_to_tensor(t) is t
    True
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported with the torch backend.")
    if ragged:
        raise ValueError("`ragged=True` is not supported with the torch backend.")
    if isinstance(x, torch.Tensor):
        if dtype is None:
            return x
        return x.to(to_torch_dtype(dtype))
    return _convert(x, None if dtype is None else to_torch_dtype(dtype))


def convert_to_numpy(x) -> np.ndarray:
    """Converts a tensor (or a list of tensors) to a numpy array.

    The tensor is detached and copied to the host. bfloat16 becomes ``ml_dtypes``'
    bfloat16 when that package is installed, float32 otherwise.

    >>> convert_to_numpy(torch.tensor([1, 2]))
    array([1, 2])
    """

    def one(v):
        if not isinstance(v, torch.Tensor):
            return np.asarray(v)
        v = v.detach()
        if v.device.type != "cpu":
            v = v.cpu()
        if v.dtype == torch.bfloat16:
            out = v.to(torch.float32).numpy()
            try:
                import ml_dtypes
            except ImportError:  # pragma: no cover - ml_dtypes comes with keras/jax
                return out
            return out.astype(ml_dtypes.bfloat16)
        return v.resolve_conj().resolve_neg().numpy()

    if isinstance(x, (list, tuple)):
        return np.array([one(e) for e in x])
    return one(x)


def cast(x, dtype) -> torch.Tensor:
    """Casts ``x`` to ``dtype``; a tensor already of that dtype is returned as is.

    >>> cast(torch.tensor([1.7, -1.7]), "int32")
    tensor([ 1, -1], dtype=torch.int32)
    """
    dtype = to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if x.dtype == dtype else x.to(dtype)
    return _convert(x, dtype)


def _float_at_most(bound: int, dtype: torch.dtype) -> float:
    # The float of ``dtype`` nearest to the integer ``bound`` on the side of zero.
    mantissa_bits = round(1 - math.log2(torch.finfo(dtype).eps))
    step = 2 ** builtins.max(abs(bound).bit_length() - mantissa_bits, 0)
    return float(abs(bound) // step * step) * (1 if bound >= 0 else -1)


def saturate_cast(x, dtype) -> torch.Tensor:
    """Casts ``x`` to ``dtype``, first clipping values to the range ``dtype`` can hold.

    >>> saturate_cast(torch.tensor([-1.0, 300.0]), "uint8")
    tensor([  0, 255], dtype=torch.uint8)
    """
    dtype = to_torch_dtype(dtype)
    x = _as_tensor(x)
    if x.dtype == dtype or x.dtype == torch.bool:
        return x.to(dtype)
    if dtype == torch.bool:
        return x.to(dtype)

    def limits(dt):
        info = torch.finfo(dt) if dt.is_floating_point else torch.iinfo(dt)
        return info.min, info.max

    in_lo, in_hi = limits(x.dtype)
    out_lo, out_hi = limits(dtype)
    lo, hi = builtins.max(in_lo, out_lo), builtins.min(in_hi, out_hi)
    if x.is_floating_point():
        if not dtype.is_floating_point:
            lo, hi = _float_at_most(int(lo), x.dtype), _float_at_most(int(hi), x.dtype)
        return torch.clamp(x, float(lo), float(hi)).to(dtype)
    return torch.clamp(x, int(lo), int(hi)).to(dtype)


def shape(x) -> tuple:
    """Returns the shape of ``x`` as a tuple of ints.

    Under ``torch.compile`` the entries may be symbolic ints; reading the shape never
    breaks the graph.

    >>> shape(torch.zeros(8, 12))
    (8, 12)
    """
    s = getattr(x, "shape", None)
    if s is None:
        s = _as_tensor(x).shape
    return tuple(s)


def dtype(x) -> str:
    """Returns the Keras name of the dtype of ``x``, e.g. ``"float32"``.

    >>> dtype(torch.zeros(2, dtype=torch.int64))
    'int64'
    """
    return standardize_dtype(x.dtype)


def result_type(*dtypes) -> str:
    """Returns the dtype that combining values of ``dtypes`` gives, as a Keras name.

    Python types ``int``, ``float`` and ``bool`` are weak, as in Keras: ``int`` does not
    widen an integer or float dtype, ``float`` does not widen a float dtype. Unlike
    Keras' ``result_type``, 64-bit dtypes are kept (Keras narrows them to 32 bits outside
    TensorFlow); torch code relies on float64 for gradient checks.

    >>> result_type("int32", "float32"), result_type("int8", int), result_type("int32", float)
    ('float32', 'int8', 'float32')
    >>> result_type("float16", float), result_type("float64", "int64")
    ('float16', 'float64')
    """
    if not dtypes:
        return floatx()
    strong = None
    weak_int = weak_float = False
    for d in dtypes:
        if d is int:
            weak_int = True
        elif d is float:
            weak_float = True
        elif d is complex:
            t = torch.complex64
            strong = t if strong is None else torch.promote_types(strong, t)
        else:
            t = torch.bool if d is bool else to_torch_dtype(d)
            strong = t if strong is None else torch.promote_types(strong, t)
    if strong is None:
        return floatx() if weak_float else "int32"
    if weak_float and not (strong.is_floating_point or strong.is_complex):
        strong = to_torch_dtype(floatx())
    elif weak_int and strong == torch.bool:
        strong = torch.int32
    return standardize_dtype(strong)


# ------------------------------------------------------------ slicing, scatter, unstack
def slice(inputs, start_indices, shape) -> torch.Tensor:
    """Returns the block of ``inputs`` of size ``shape`` starting at ``start_indices``.

    >>> slice(torch.arange(12).reshape(3, 4), (1, 1), (2, 2))
    tensor([[ 5,  6],
            [ 9, 10]])
    """
    inputs = _as_tensor(inputs)
    if isinstance(start_indices, torch.Tensor):
        start_indices = start_indices.unbind(0)
    if builtins.all(isinstance(s, (int, torch.SymInt)) for s in start_indices):
        index = tuple(builtins.slice(s, s + n) for s, n in zip(start_indices, shape, strict=True))
        return inputs[index]
    out = inputs
    for dim, (s, n) in enumerate(zip(start_indices, shape, strict=True)):
        out = torch.narrow(out, dim, s, n)
    return out


def slice_update(inputs, start_indices, updates) -> torch.Tensor:
    """Returns a copy of ``inputs`` with the block at ``start_indices`` set to ``updates``.

    >>> slice_update(torch.zeros(2, 3), (0, 1), torch.ones(2, 1))
    tensor([[0., 1., 0.],
            [0., 1., 0.]])
    """
    inputs = _as_tensor(inputs)
    updates = _as_tensor(updates, device=inputs.device).to(inputs.dtype)
    if isinstance(start_indices, torch.Tensor):
        start_indices = start_indices.unbind(0)
    out = inputs.clone()
    if builtins.all(isinstance(s, (int, torch.SymInt)) for s in start_indices):
        index = tuple(
            builtins.slice(s, s + n) for s, n in zip(start_indices, updates.shape, strict=True)
        )
        out[index] = updates
        return out
    # Tensor start positions: build index grids and write them with one index_put_.
    grids = []
    for dim, s in enumerate(start_indices):
        s = _as_tensor(s, device=inputs.device).to(torch.int64)
        view = [1] * updates.ndim
        view[dim] = -1
        grids.append((torch.arange(updates.shape[dim], device=inputs.device) + s).view(view))
    return out.index_put_(tuple(grids), updates)


def _scatter_index(indices: torch.Tensor):
    return tuple(indices.to(torch.int64).unbind(-1))


def scatter(indices, values, shape) -> torch.Tensor:
    """Returns a tensor of ``shape`` holding ``values`` at ``indices``, zeros elsewhere.

    Values at repeated indices are summed.

    >>> scatter([[0, 1], [1, 0], [0, 1]], [1.0, 2.0, 3.0], (2, 2))
    tensor([[0., 4.],
            [2., 0.]])
    """
    values = _as_tensor(values)
    indices = _as_tensor(indices, device=values.device)
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    return out.index_put_(_scatter_index(indices), values, accumulate=True)


_SCATTER_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


def scatter_update(inputs, indices, updates, reduction=None) -> torch.Tensor:
    """Returns a copy of ``inputs`` with ``updates`` written at ``indices``.

    Args:
        inputs: The tensor to update.
        indices: Integer tensor of shape ``(N, k)``: each row indexes the first ``k``
            axes of ``inputs``.
        updates: Tensor of shape ``(N,) + inputs.shape[k:]``.
        reduction: ``None`` (replace), ``"add"``, ``"max"``, ``"min"`` or ``"mul"``:
            how an update combines with the value already there.

    >>> scatter_update(torch.zeros(3), [[0], [2]], torch.tensor([5.0, 7.0]))
    tensor([5., 0., 7.])
    """
    inputs = _as_tensor(inputs)
    indices = _as_tensor(indices, device=inputs.device).to(torch.int64)
    updates = _as_tensor(updates, device=inputs.device).to(inputs.dtype)
    if reduction is None or reduction == "add":
        return inputs.clone().index_put_(
            _scatter_index(indices), updates, accumulate=reduction == "add"
        )
    if reduction not in _SCATTER_REDUCE:
        raise ValueError(
            "Argument `reduction` must be one of None, 'add', 'max', 'min' or 'mul'. "
            f"Received: reduction={reduction}"
        )
    k = indices.shape[-1]
    lead = inputs.shape[:k]
    strides = [1] * k
    for i in range(k - 2, -1, -1):
        strides[i] = strides[i + 1] * lead[i + 1]
    flat_index = (indices * torch.tensor(strides, device=inputs.device)).sum(-1)
    flat = inputs.reshape((-1,) + tuple(inputs.shape[k:])).reshape(
        functools.reduce(operator.mul, lead, 1), -1
    )
    upd = updates.reshape(flat_index.shape[0], -1)
    out = flat.scatter_reduce(
        0, flat_index[:, None].expand_as(upd), upd, _SCATTER_REDUCE[reduction]
    )
    return out.reshape(inputs.shape)


def unstack(x, num=None, axis=0) -> list[torch.Tensor]:
    """Splits ``x`` along ``axis`` into a list of tensors of one rank less.

    >>> unstack(torch.tensor([[1, 2], [3, 4]]))
    [tensor([1, 2]), tensor([3, 4])]
    """
    x = _as_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(
            f"Argument `num` must equal the size of axis {axis}. Received: num={num}, "
            f"x.shape={tuple(x.shape)}"
        )
    return list(x.unbind(axis))


# -------------------------------------------------------------------------- control flow
def stop_gradient(variable) -> torch.Tensor:
    """Returns ``variable`` detached from the autograd graph.

    >>> stop_gradient(torch.ones(2, requires_grad=True)).requires_grad
    False
    """
    return _as_tensor(variable).detach()


def _is_meta(x) -> bool:
    return isinstance(x, torch.Tensor) and x.device.type == "meta"


def cond(pred, true_fn, false_fn):
    """Calls ``true_fn()`` if ``pred`` is true, else ``false_fn()``.

    Eagerly this is a Python ``if``. While ``torch.compile`` traces it and ``pred`` is a
    tensor, it becomes ``torch.cond`` so the graph does not break; both functions must
    then return tensors of the same shapes and dtypes. On the ``meta`` device (symbolic
    shape inference) ``true_fn`` is taken, as in Keras.

    >>> cond(torch.tensor(2.0) > 1, lambda: "yes", lambda: "no")
    'yes'
    """
    if isinstance(pred, torch.Tensor):
        if pred.device.type == "meta":
            return true_fn()
        if torch.compiler.is_compiling():
            return torch.cond(pred.reshape(()).to(torch.bool), true_fn, false_fn, ())
        pred = bool(pred)
    return true_fn() if pred else false_fn()


def switch(index, branches, *operands):
    """Calls ``branches[index](*operands)``; ``index`` is clamped to the valid range.

    >>> switch(1, [lambda x: x + 1, lambda x: x - 1], torch.tensor(2))
    tensor(1)
    """
    index = builtins.max(0, builtins.min(int(index), len(branches) - 1))
    return branches[index](*operands)


def _to_tensor_tree(tree):
    return pytree.tree_map(lambda v: _as_tensor(v), tree)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds.

    ``loop_vars`` may be a tensor or a tuple/list (whose items are passed positionally)
    of nested tensors. Eagerly this is a Python loop; while ``torch.compile`` traces it,
    it becomes ``torch.while_loop`` (the body must then keep shapes and dtypes).

    Args:
        cond: Callable returning a boolean (tensor) from the loop variables.
        body: Callable returning new loop variables of the same structure.
        loop_vars: Initial loop variables.
        maximum_iterations: Optional cap on the number of iterations.

    Returns:
        The final loop variables, with the structure of ``loop_vars``.

    >>> while_loop(lambda i: i < 10, lambda i: i + 1, 0)
    tensor(10, dtype=torch.int32)
    """
    is_sequence = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_sequence else (loop_vars,)
    loop_vars = _to_tensor_tree(loop_vars)

    def as_tuple(out):
        return tuple(out) if isinstance(out, (tuple, list)) else (out,)

    if torch.compiler.is_compiling():
        flat, spec = pytree.tree_flatten(loop_vars)
        n = len(flat)
        limit = maximum_iterations

        def cond_fn(*carry):
            ok = torch.as_tensor(cond(*pytree.tree_unflatten(list(carry[:n]), spec)))
            if limit is not None:
                ok = torch.logical_and(ok, carry[n] < limit)
            return ok.reshape(())

        def body_fn(*carry):
            new = as_tuple(body(*pytree.tree_unflatten(list(carry[:n]), spec)))
            new_flat = [
                _as_tensor(v).to(old.dtype)
                for v, old in zip(pytree.tree_leaves(new), flat, strict=True)
            ]
            if limit is not None:
                new_flat.append(carry[n] + 1)
            return tuple(new_flat)

        carry = tuple(flat)
        if limit is not None:
            carry = carry + (torch.zeros((), dtype=torch.int64, device=flat[0].device),)
        out = torch.while_loop(cond_fn, body_fn, carry)
        loop_vars = pytree.tree_unflatten(list(out[:n]), spec)
    else:
        iteration = 0
        while (maximum_iterations is None or iteration < maximum_iterations) and bool(
            cond(*loop_vars)
        ):
            loop_vars = as_tuple(body(*loop_vars))
            iteration += 1
    return loop_vars if is_sequence else loop_vars[0]


def fori_loop(lower, upper, body_fun, init_val):
    """Returns ``init_val`` after ``val = body_fun(i, val)`` for ``i`` in ``[lower, upper)``.

    With Python int bounds the loop runs in Python (and unrolls when traced); tensor
    bounds go through `while_loop`.

    >>> fori_loop(0, 10, lambda i, s: s + i, 0)
    45
    """
    if isinstance(lower, torch.Tensor) or isinstance(upper, torch.Tensor):
        lower = _as_tensor(lower)

        def body(i, val):
            return i + 1, body_fun(i, val)

        return while_loop(lambda i, val: i < upper, body, (lower, init_val))[1]
    val = init_val
    for i in range(lower, upper):
        val = body_fun(i, val)
    return val


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops ``carry, y = f(carry, x)`` over the leading axis of ``xs``.

    Args:
        f: Callable ``(carry, x) -> (carry, y)``.
        init: Initial carry (a nested structure of tensors).
        xs: Optional nested structure of tensors to scan over their first axis.
        length: Number of steps when ``xs`` is ``None``.
        reverse: Scan from the end.
        unroll: Accepted for Keras compatibility; the Python loop is always unrolled.

    Returns:
        ``(final_carry, stacked_ys)``.

    >>> carry, ys = scan(lambda c, x: (c + x, c * x), torch.tensor(0), torch.arange(4))
    >>> carry, ys
    (tensor(6), tensor([0, 0, 2, 9]))
    """
    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(
            f"`unroll` must be an positive integer or boolean. Received: unroll={unroll}"
        )
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    if xs is None:
        xs_flat, xs_spec = [], None
        n = int(length)
    else:
        xs_flat, xs_spec = pytree.tree_flatten(xs)
        xs_flat = [_as_tensor(v) for v in xs_flat]
        n = int(length) if length is not None else xs_flat[0].shape[0]
    carry = _to_tensor_tree(init)
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = pytree.tree_unflatten([v[i] for v in xs_flat], xs_spec) if xs_flat else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        return carry, pytree.tree_map(lambda c: c.new_zeros((n,) + tuple(c.shape)), carry)
    stacked = pytree.tree_map(lambda *leaves: torch.stack([_as_tensor(v) for v in leaves]), *ys)
    return carry, stacked


def map(f, xs):
    """Applies ``f`` to each slice of ``xs`` along its first axis and stacks the results.

    >>> map(lambda x: x * 2, torch.arange(3))
    tensor([0, 2, 4])
    """
    xs_flat, spec = pytree.tree_flatten(xs)
    xs_flat = [_as_tensor(v) for v in xs_flat]
    outs = [
        f(pytree.tree_unflatten([v[i] for v in xs_flat], spec)) for i in range(xs_flat[0].shape[0])
    ]
    return pytree.tree_map(lambda *leaves: torch.stack(leaves), *outs)


def vectorized_map(function, elements):
    """Maps ``function`` over the first axis of ``elements`` with ``torch.vmap``.

    >>> vectorized_map(lambda x: x.sum(), torch.ones(3, 2))
    tensor([2., 2., 2.])
    """
    return torch.vmap(function)(elements)
