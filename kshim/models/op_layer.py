"""Torch functions applied to ``KerasTensor``s, recorded as graph nodes.

``kshim.Input((4,)) * 2`` or ``torch.cat([a, b], dim=1)`` on symbolic tensors becomes a
``TorchOpLayer`` node; the functional ``Model`` replays it on real tensors. Only functions
of the ``torch`` namespace and ``torch.Tensor`` methods are recorded, so a config names
them by their public name and loading looks the name up in those namespaces (never
evaluating anything).
"""

from __future__ import annotations

import torch

from kshim.layers.layer import Layer
from kshim.models.symbolic import KerasTensor, flatten, map_structure, symbolic_call
from kshim.saving.object_registration import register_keras_serializable


def _public_name(func) -> str | None:
    op_name = getattr(func, "_kshim_op", None)
    if op_name is not None:
        return f"kshim.ops.{op_name}"
    name = getattr(func, "__name__", None)
    if name is None:
        return None
    if getattr(torch, name, None) is func:
        return f"torch.{name}"
    if getattr(torch.Tensor, name, None) is func:
        return f"torch.Tensor.{name}"
    nn_func = getattr(torch.nn.functional, name, None)
    if nn_func is func:
        return f"torch.nn.functional.{name}"
    return None


def _lookup(name: str):
    if name.startswith("kshim.ops."):
        from kshim import ops

        obj = getattr(ops, name[len("kshim.ops.") :], None)
        if getattr(obj, "_kshim_op", None) is not None:
            return obj
        raise ValueError(f"TorchOpLayer: unknown kshim op {name!r}")
    for prefix, namespace in (
        ("torch.Tensor.", torch.Tensor),
        ("torch.nn.functional.", torch.nn.functional),
        ("torch.", torch),
    ):
        if name.startswith(prefix):
            obj = getattr(namespace, name[len(prefix) :], None)
            if callable(obj):
                return obj
    raise ValueError(f"TorchOpLayer: unknown torch function {name!r}")


@register_keras_serializable(package="kshim")
class TorchOpLayer(Layer):
    """A torch function recorded in a functional graph.

    Args:
        function: A function of the ``torch`` namespace (or a ``torch.Tensor`` method),
            or its public name such as ``"torch.add"``.
    """

    def __init__(self, function, **kwargs):
        if isinstance(function, str):
            function = _lookup(function)
        self_name = _public_name(function)
        if self_name is None:
            raise ValueError(
                "TorchOpLayer: only `kshim.ops` functions, functions of `torch` and "
                "`torch.nn.functional`, and `torch.Tensor` methods can be recorded. "
                f"Received: function={function!r}"
            )
        super().__init__(autocast=False, **kwargs)
        object.__setattr__(self, "_name_base", function.__name__.strip("_") or "op")
        self.function = function
        self._function_name = self_name

    def call(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["function"] = self._function_name
        return config


def record_torch_op(func, args, kwargs):
    """Records ``func(*args, **kwargs)`` with KerasTensors among its arguments."""
    if not any(isinstance(t, KerasTensor) for t in flatten((args, kwargs))):
        return func(*args, **kwargs)
    name = getattr(func, "__name__", "op").strip("_") or "op"
    layer = TorchOpLayer(func, name=_op_name(name))
    return symbolic_call(layer, tuple(args), dict(kwargs))


def _op_name(base: str) -> str:
    from kshim.backend import naming

    return naming.uniquify(base)


__all__ = ["TorchOpLayer", "record_torch_op", "map_structure"]
