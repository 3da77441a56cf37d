"""Symbolic tensors (``KerasTensor``) and shape inference by running ``call`` on ``meta``.

Calling a layer on a ``KerasTensor`` builds the layer (weights are real, on the default
device), then runs its ``call`` on tensors of the ``meta`` device: no data, no compute, and
no second shape implementation per layer. Each ``None`` dimension is given two different
stand-in sizes in two runs; output dimensions that differ between the runs are ``None``.
"""

from __future__ import annotations

import torch

from torch.nn.utils.stateless import _reparametrize_module

from kshim.backend import config
from kshim.backend.variables import Variable, rewrap

# Stand-in sizes for unknown dimensions, two runs of distinct primes.
_STAND_INS = ((11, 13, 17, 19, 23, 29, 31, 37), (41, 43, 47, 53, 59, 61, 67, 71))


class Node:
    """One call of a layer on symbolic inputs: what the functional ``Model`` replays."""

    __slots__ = ("layer", "args", "kwargs", "outputs", "parents")

    def __init__(self, layer, args, kwargs, outputs):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.parents = [t._node for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]


class KerasTensor:
    """A symbolic tensor: a shape (``None`` for unknown sizes), a dtype and its history.

    Made by ``kshim.Input`` and by calling layers on other ``KerasTensor``s.
    """

    _kshim_symbolic = True
    __array_priority__ = 100

    def __init__(self, shape, dtype="float32", name=None, node=None, index=0, sparse=False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = config.standardize_dtype(dtype)
        self.name = name
        self.sparse = sparse
        self._node = node
        self._index = index

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}{name}>"

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python boolean.")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError("len() of a KerasTensor with an unknown first dimension is not defined.")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated over.")


def flatten(structure) -> list:
    out = []
    _flatten(structure, out)
    return out


def _flatten(x, out) -> None:
    if isinstance(x, (list, tuple)):
        for v in x:
            _flatten(v, out)
    elif isinstance(x, dict):
        for v in x.values():
            _flatten(v, out)
    else:
        out.append(x)


def map_structure(fn, x):
    if isinstance(x, list):
        return [map_structure(fn, v) for v in x]
    if isinstance(x, tuple):
        return tuple(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list, torch.Size)) and all(
        d is None or isinstance(d, int) for d in x
    )


def _meta_tensor(shape, dtype, run: int, counter: list):
    dims = []
    for d in shape:
        if d is None:
            dims.append(_STAND_INS[run][counter[0] % len(_STAND_INS[run])])
            counter[0] += 1
        else:
            dims.append(d)
    return torch.empty(dims, dtype=config.to_torch_dtype(dtype), device="meta")


def _run_on_meta(layer, args, kwargs, run: int):
    """Runs the layer's forward on meta stand-ins for every KerasTensor in args/kwargs."""
    counter = [0]

    def to_meta(x):
        if isinstance(x, KerasTensor):
            return _meta_tensor(x.shape, x.dtype, run, counter)
        return x

    meta_args = map_structure(to_meta, args)
    meta_kwargs = map_structure(to_meta, kwargs)
    saved = list(layer._losses)
    try:
        with _on_meta(layer):
            return layer.forward(*meta_args, **meta_kwargs)
    finally:
        layer._losses[:] = saved


def _meta_like(t):
    m = torch.empty_like(t, device="meta")
    return rewrap(m, t) if isinstance(t, Variable) else m


def _on_meta(layer):
    """Swaps every parameter and buffer of ``layer`` for a meta stand-in during a call, so
    that ``call`` runs without touching (or needing) the real weights."""
    state = {k: _meta_like(v) for k, v in layer.named_parameters(remove_duplicate=False)}
    state.update({k: _meta_like(v) for k, v in layer.named_buffers(remove_duplicate=False)})
    return _reparametrize_module(layer, state)


def _merge_shapes(a, b) -> tuple:
    return tuple(x if x == y else None for x, y in zip(a.shape, b.shape))


def _infer(layer, args, kwargs):
    """Output structure of (shape, dtype) pairs for a call on KerasTensors."""
    with torch.no_grad():
        first = _run_on_meta(layer, args, kwargs, 0)
        second = _run_on_meta(layer, args, kwargs, 1)
    f1, f2 = flatten(first), flatten(second)
    specs = iter(
        [
            _Spec(_merge_shapes(a, b), config.standardize_dtype(a.dtype))
            if isinstance(a, torch.Tensor)
            else None
            for a, b in zip(f1, f2)
        ]
    )
    return map_structure(lambda _: next(specs), first)


class _Spec:
    """An inferred output: shape and dtype (not a tuple, so structures map over it whole)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype


def _build_symbolically(layer, args, kwargs) -> None:
    if layer.built:
        return

    def to_shape(t):
        return _ShapeOnly(t.shape) if isinstance(t, KerasTensor) else t

    layer._maybe_build(map_structure(to_shape, args), map_structure(to_shape, kwargs))


class _ShapeOnly:
    """Carries a shape into ``Layer._maybe_build`` without a device."""

    _kshim_symbolic = True

    def __init__(self, shape):
        self.shape = tuple(shape)


def symbolic_call(layer, args, kwargs):
    """Calls ``layer`` on KerasTensors: builds it, infers outputs, records a ``Node``."""
    _build_symbolically(layer, args, kwargs)
    specs = _infer(layer, args, kwargs)
    node = Node(layer, args, kwargs, None)
    counter = [0]

    def make(spec):
        if spec is None:
            return None
        t = KerasTensor(spec.shape, spec.dtype, node=node, index=counter[0])
        counter[0] += 1
        return t

    outputs = map_structure(make, specs)
    node.outputs = outputs
    return outputs


def infer_output_shape(layer, input_shape=None, *args, **kwargs):
    """``compute_output_shape`` by running ``call`` on meta tensors."""
    if input_shape is None and kwargs:
        name, input_shape = next(iter(kwargs.items()))
        kwargs = {k: v for k, v in kwargs.items() if k != name}

    def to_kt(s):
        return KerasTensor(s, layer.compute_dtype)

    if _is_shape(input_shape):
        x = to_kt(input_shape)
    elif isinstance(input_shape, (list, tuple)):
        x = [to_kt(s) if _is_shape(s) else s for s in input_shape]
    elif isinstance(input_shape, dict):
        x = {k: to_kt(s) for k, s in input_shape.items()}
    else:
        raise ValueError(
            f'Layer "{layer.name}": `compute_output_shape` expects a shape tuple (or a list '
            f"or dict of them). Received: input_shape={input_shape!r}"
        )
    extra = tuple(to_kt(s) if _is_shape(s) else s for s in args)
    kw = {k: to_kt(s) if _is_shape(s) else s for k, s in kwargs.items()}
    _build_symbolically(layer, (x, *extra), kw)
    specs = _infer(layer, (x, *extra), kw)
    return map_structure(lambda spec: None if spec is None else spec.shape, specs)
