"""Symbolic tensors (``KerasTensor``) and shape inference by running ``call`` on ``meta``.

Calling a layer on a ``KerasTensor`` builds the layer (weights are real, on the default
device), then runs its ``call`` on tensors of the ``meta`` device: no data, no compute, and
no second shape implementation per layer. Each ``None`` dimension is given two different
stand-in sizes in two runs; output dimensions that differ between the runs are ``None``.
"""

from __future__ import annotations

import contextlib

import torch

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
        self._mask = None  # a KerasTensor for the mask Keras would attach, if any

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

    # Any torch function (and so any operator below) applied to a KerasTensor is recorded
    # in the graph as a ``TorchOpLayer`` node and its output inferred on meta tensors.
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        from kshim.models.op_layer import record_torch_op

        return record_torch_op(func, args, kwargs or {})

    def __add__(self, other):
        return torch.add(self, other)

    def __radd__(self, other):
        return torch.add(other, self)

    def __sub__(self, other):
        return torch.sub(self, other)

    def __rsub__(self, other):
        return torch.sub(other, self)

    def __mul__(self, other):
        return torch.mul(self, other)

    def __rmul__(self, other):
        return torch.mul(other, self)

    def __truediv__(self, other):
        return torch.div(self, other)

    def __rtruediv__(self, other):
        return torch.div(other, self)

    def __matmul__(self, other):
        return torch.matmul(self, other)

    def __rmatmul__(self, other):
        return torch.matmul(other, self)

    def __pow__(self, other):
        return torch.pow(self, other)

    def __neg__(self):
        return torch.neg(self)

    def __abs__(self):
        return torch.abs(self)

    def __getitem__(self, index):
        return record_getitem(self, index)

    def __lt__(self, other):
        return torch.lt(self, other)

    def __le__(self, other):
        return torch.le(self, other)

    def __gt__(self, other):
        return torch.gt(self, other)

    def __ge__(self, other):
        return torch.ge(self, other)

    def __hash__(self):
        return id(self)


def record_getitem(x, index):
    from kshim.models.op_layer import record_torch_op

    return record_torch_op(torch.Tensor.__getitem__, (x, index), {})


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


def _meta_tensor(shape, dtype, run: int):
    # An unknown size gets the same stand-in at the same axis in every tensor, so that
    # tensors with unknown batch (or time) sizes still broadcast and concatenate.
    stand_ins = _STAND_INS[run]
    dims = [stand_ins[i % len(stand_ins)] if d is None else d for i, d in enumerate(shape)]
    return torch.empty(dims, dtype=config.to_torch_dtype(dtype), device="meta")


def _run_on_meta(layer, args, kwargs, run: int, in_mask=None, want_mask=False):
    """Runs the layer's forward on meta stand-ins for every KerasTensor in args/kwargs;
    with ``want_mask`` also its ``compute_mask``. Returns (outputs, output mask)."""

    def to_meta(x):
        if isinstance(x, KerasTensor):
            return _meta_tensor(x.shape, x.dtype, run)
        return x

    meta_args = map_structure(to_meta, args)
    meta_kwargs = map_structure(to_meta, kwargs)
    saved, had = list(layer._losses), layer._has_losses
    try:
        with _on_meta(layer):
            out = layer.forward(*meta_args, **meta_kwargs)
            mask = None
            if want_mask:
                first = meta_args[0] if len(meta_args) == 1 else list(meta_args)
                mask = layer.compute_mask(first, map_structure(to_meta, in_mask))
            return out, mask
    finally:
        layer._losses[:] = saved
        object.__setattr__(layer, "_has_losses", had)


def _meta_like(t):
    m = torch.empty_like(t, device="meta")
    return rewrap(m, t) if isinstance(t, Variable) else m


@contextlib.contextmanager
def _on_meta(layer):
    """Swaps every parameter and buffer of ``layer`` (and its sub-modules, reached through
    ``_modules``, so layers kept in lists are included) for a meta stand-in during a call,
    so that ``call`` runs without touching (or needing) the real weights."""
    swapped, stand_ins = [], {}
    try:
        for module in layer.modules():
            for store in (module._parameters, module._buffers):
                for key, value in list(store.items()):
                    if value is None:
                        continue
                    meta = stand_ins.get(id(value))
                    if meta is None:  # a tensor shared by two modules gets one stand-in
                        meta = stand_ins[id(value)] = _meta_like(value)
                    swapped.append((store, key, value))
                    store[key] = meta
        yield
    finally:
        for store, key, value in reversed(swapped):
            store[key] = value


def _merge_shapes(a, b) -> tuple:
    return tuple(x if x == y else None for x, y in zip(a.shape, b.shape))


def _specs(first, second):
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


def _infer(layer, args, kwargs, in_mask=None, want_mask=False):
    """Output structure of specs (shape, dtype) for a call on KerasTensors, and the spec
    of the output mask (``None`` when the layer makes none)."""
    with torch.no_grad():
        first, m1 = _run_on_meta(layer, args, kwargs, 0, in_mask, want_mask)
        second, m2 = _run_on_meta(layer, args, kwargs, 1, in_mask, want_mask)
    mask = _specs(m1, m2) if isinstance(m1, torch.Tensor) else None
    return _specs(first, second), mask


def _named_args(layer, args, kwargs):
    """(parameter name, value) for the arguments of a call, positional ones named by the
    layer's ``call`` signature."""
    params = layer._call_params
    out = [(params[i], a) for i, a in enumerate(args) if i < len(params)]
    return out + list(kwargs.items())


def _mask_of(x):
    if isinstance(x, KerasTensor):
        return getattr(x, "_mask", None)
    if isinstance(x, (list, tuple)):
        masks = [_mask_of(v) for v in x]
        return masks if any(m is not None for m in masks) else None
    return None


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
    """Calls ``layer`` on KerasTensors: builds it, infers outputs (and their mask, as
    Keras does), records a ``Node``."""
    _build_symbolically(layer, args, kwargs)
    in_mask = _mask_of(args[0]) if args else None
    call_kwargs = dict(kwargs)
    if in_mask is not None and layer._call_has_mask and "mask" not in kwargs:
        call_kwargs["mask"] = in_mask
    for name, value in _named_args(layer, args, kwargs):
        mask_name = layer._call_arg_masks.get(name)
        if mask_name is not None and mask_name not in call_kwargs:
            m = _mask_of(value)
            if m is not None:
                call_kwargs[mask_name] = m
    makes_mask = type(layer).compute_mask is not _base_compute_mask() or (
        in_mask is not None and getattr(layer, "supports_masking", False)
    )
    specs = None if makes_mask else _specs_from_compute_output_shape(layer, args, kwargs)
    mask_spec = None
    if specs is None:
        specs, mask_spec = _infer(layer, args, call_kwargs, in_mask, makes_mask)
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
    if mask_spec is not None:
        first = flatten(outputs)[0]
        if isinstance(first, KerasTensor):
            first._mask = KerasTensor(mask_spec.shape, mask_spec.dtype)
    return outputs


def _specs_from_compute_output_shape(layer, args, kwargs):
    """Keras' shortcut: a layer that defines ``compute_output_shape`` gets outputs of that
    shape in its compute dtype, with no meta run (meta kernels of some ops are slow Python
    decompositions). ``None`` when the shortcut does not apply."""
    from kshim.layers.layer import Layer

    if type(layer).compute_output_shape is Layer.compute_output_shape or len(args) != 1:
        return None
    if any(isinstance(t, KerasTensor) for t in flatten(kwargs)):
        return None
    x = args[0]
    if isinstance(x, KerasTensor):
        shape_in = x.shape
    elif isinstance(x, (list, tuple)) and x and all(isinstance(t, KerasTensor) for t in x):
        shape_in = [t.shape for t in x]
    else:
        return None
    try:
        shape = layer.compute_output_shape(shape_in)
    except (NotImplementedError, TypeError, ValueError):
        return None
    dtype = layer.compute_dtype
    if _is_shape(shape):
        return _Spec(tuple(shape), dtype)
    if isinstance(shape, (list, tuple)) and shape and all(_is_shape(s) for s in shape):
        return [_Spec(tuple(s), dtype) for s in shape]
    return None


def _base_compute_mask():
    from kshim.layers.layer import Layer

    return Layer.compute_mask


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
    specs, _ = _infer(layer, (x, *extra), kw)
    return map_structure(lambda spec: None if spec is None else spec.shape, specs)
