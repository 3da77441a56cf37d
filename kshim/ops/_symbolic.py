"""Lets every public op take ``KerasTensor``s: the call is then recorded in the graph.

``kshim.ops.add(kshim.Input((3,)), 1.0)`` returns a ``KerasTensor`` whose node replays
``kshim.ops.add`` on real tensors, as Keras' ops do on symbolic inputs. On real tensors
the wrapper costs one type test per positional argument.
"""

from __future__ import annotations

import functools
import types

from kshim.models.symbolic import KerasTensor

# Ops that are not graph nodes: they inspect tensors or take functions.
_NOT_RECORDED = frozenset(
    {
        "convert_to_numpy",
        "is_tensor",
        "shape",
        "dtype",
        "result_type",
        "cond",
        "fori_loop",
        "while_loop",
        "map",
        "scan",
        "vectorized_map",
        "switch",
        "size",
        "ndim",
    }
)


def _has_symbolic(args, kwargs) -> bool:
    for a in args:
        t = type(a)
        if t is KerasTensor:
            return True
        if (t is list or t is tuple) and any(type(v) is KerasTensor for v in a):
            return True
    if kwargs:
        return any(type(v) is KerasTensor for v in kwargs.values())
    return False


def _symbolic_aware(fn, name: str):
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _has_symbolic(args, kwargs):
            from kshim.models.op_layer import record_torch_op

            return record_torch_op(op, args, kwargs)
        return fn(*args, **kwargs)

    op._kshim_op = name
    return op


def _symbolic_shape(fn):
    @functools.wraps(fn)
    def shape(x):
        if type(x) is KerasTensor:
            return x.shape
        return fn(x)

    return shape


def wrap_public_ops(namespace: dict) -> None:
    """Replaces each public op function in ``namespace`` by its symbolic-aware form."""
    for name, fn in list(namespace.items()):
        if name.startswith("_") or not isinstance(fn, types.FunctionType):
            continue
        if not fn.__module__.startswith("kshim.ops."):
            continue
        if name == "shape":
            namespace[name] = _symbolic_shape(fn)
        elif name not in _NOT_RECORDED:
            namespace[name] = _symbolic_aware(fn, name)
