"""Where Keras 3 puts each weight of a model in its files: the saveable tree.

Keras 3's ``.weights.h5`` (and the ``model.weights.h5`` inside a ``.keras`` archive) stores
a layer's own variables under ``<path>/vars/0``, ``<path>/vars/1``, ... where ``<path>``
is found by walking the model the way Keras' ``saving_lib`` does:

* a ``Functional`` or ``Sequential`` model first yields its ``layers`` (Keras' order),
  as a container;
* then every attribute of the object, in ``dir()`` order with ``_``-prefixed names last,
  except those a bare base ``Layer`` already has; a layer found there is a child at the
  attribute's name, a list/tuple/dict is a container;
* inside a container, a layer is named after its class in snake case, made unique by
  a counter within that container (``dense``, ``dense_1``, ...), and a nested container
  is ``container``, ``container_1``, ...; the counter counts layers already visited too;
* a layer reached a second time is skipped (it was saved where first seen).

Layer names (``dense_3``) never appear in paths, so two models built by the same code in
different processes have the same paths. ``build_tree`` applies these rules to a kshim
model, whose layers mirror Keras' attributes, so it gives the paths Keras gives the same
model. A plain ``torch.nn.Module`` kept on a layer is saved as Keras' torch backend saves
it (wrapped in a ``TorchModuleWrapper``): its ``state_dict`` keys are the variable names.

This module also gives Keras' order of a functional model's layers (``keras_layers``) and
the legacy HDF5 order of a layer's weights (``legacy_weights``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from torch import nn

from kshim.backend import naming
from kshim.layers.layer import Layer, _Holder, _weight_trainable
from kshim.saving import object_registration

__all__ = [
    "StateNode",
    "build_tree",
    "class_base_name",
    "keras_layers",
    "legacy_weights",
    "natural_key",
]


@dataclass
class StateNode:
    """One saveable (a layer, a plain torch module) or a container of them.

    ``variables`` lists ``(key, tensor)`` in the order Keras writes them; ``children``
    maps path components to nodes, in Keras' walk order.
    """

    kind: str  # "layer", "torch" or "container"
    obj: object = None
    name: str | None = None
    variables: list = field(default_factory=list)
    children: dict = field(default_factory=dict)

    def has_variables(self) -> bool:
        return bool(self.variables) or any(c.has_variables() for c in self.children.values())

    def flat_variables(self, prefix: str = "") -> list:
        """``(path, tensor)`` for every variable of the subtree: own variables first, then
        the children in ``natural_key`` order (the order a file's groups are read in)."""
        out = [(f"{prefix}vars/{k}", v) for k, v in self.variables]
        for name in sorted(self.children, key=natural_key):
            out.extend(self.children[name].flat_variables(f"{prefix}{name}/"))
        return out


def natural_key(name: str):
    """Keras' walk order, for names read back from a file: public names before
    ``_``-prefixed ones, and ``dense_2`` before ``dense_10``."""
    private = name.startswith("_")
    m = re.fullmatch(r"(.*?)_(\d+)", name)
    if m:
        return (private, m.group(1), int(m.group(2)))
    return (private, name, -1)


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


_SKIPSETS: dict = {}


def _skipset(kind: str) -> frozenset:
    skip = _SKIPSETS.get(kind)
    if skip is None:
        base = set(dir(Layer(name="kshim_skipset_probe")))
        base.add("_self_unconditional_dependency_names")
        if kind == "Functional":
            base |= {"operations", "_operations", "layers"}
        elif kind == "Sequential":
            # Keras keeps a Sequential's InputLayer in its (skipped) ``_layers``.
            base |= {"_functional", "_input_layer", "layers"}
        skip = _SKIPSETS[kind] = frozenset(base)
    return skip


def _model_kind(obj) -> str:
    from kshim.models.functional import Functional
    from kshim.models.model import Model
    from kshim.models.sequential import Sequential

    if isinstance(obj, Functional):
        return "Functional"
    if isinstance(obj, Sequential):
        return "Sequential"
    if isinstance(obj, Model):
        return "Model"
    return "Layer"


def _is_saveable(x) -> bool:
    return isinstance(x, nn.Module) and not isinstance(x, _Holder)


def _is_torch_wrapper(x) -> bool:
    return type(x).__name__ == "TorchModuleWrapper" and isinstance(
        getattr(x, "module", None), nn.Module
    )


def class_base_name(obj) -> str:
    """The snake-case class name Keras uses for ``obj`` inside a container."""
    if isinstance(obj, Layer):
        public = object_registration.get_public_name(type(obj))
        cls_name = public.rsplit(".", 1)[1] if public else type(obj).__name__
    else:
        cls_name = "TorchModuleWrapper"  # Keras' torch backend wraps plain modules
    return naming.to_snake_case(cls_name)


def own_variables(obj) -> list:
    """``(key, tensor)`` of the variables a saveable writes under its own ``vars`` group."""
    if isinstance(obj, Layer) and not _is_torch_wrapper(obj):
        own = obj._own_weights()
        seen = {id(w) for w in own}
        # Tensors set directly as parameters or buffers (not through ``add_weight``) come
        # after the Keras weights, so they survive a kshim round trip.
        extra = [
            t
            for t in list(obj._parameters.values()) + _persistent_buffers(obj)
            if t is not None and id(t) not in seen
        ]
        return [(str(i), w) for i, w in enumerate(own + extra)]
    module = obj.module if _is_torch_wrapper(obj) else obj
    return list(module.state_dict(keep_vars=True).items())


def _persistent_buffers(obj) -> list:
    skip = obj._non_persistent_buffers_set
    return [b for k, b in obj._buffers.items() if k not in skip]


def build_tree(root) -> StateNode:
    """The saveable tree of ``root`` (a kshim layer or model), as Keras would walk it."""
    return _saveable_node(root, set())


def _saveable_node(obj, visited: set) -> StateNode:
    visited.add(id(obj))
    is_layer = isinstance(obj, Layer) and not _is_torch_wrapper(obj)
    kind = "layer" if isinstance(obj, Layer) else "torch"
    name = obj.name if isinstance(obj, Layer) else class_base_name(obj)
    node = StateNode(kind, obj, name, own_variables(obj))
    if not is_layer:
        return node
    for attr, value in _walk_attributes(obj):
        if attr in node.children:
            continue
        if _is_saveable(value):
            if id(value) not in visited:
                node.children[attr] = _saveable_node(value, visited)
        elif isinstance(value, (list, tuple, dict)):
            child = _container_node(value, visited, set())
            if child.children:
                node.children[attr] = child
    return node


def _walk_attributes(obj):
    kind = _model_kind(obj)
    if kind in ("Functional", "Sequential"):
        yield "layers", keras_layers(obj)
    skip = _skipset(kind)
    for attr in sorted(dir(obj), key=_name_key):
        if attr.startswith("__") or attr in skip:
            continue
        if kind == "Model" and attr == "layers":
            # Keras' list holds plain torch modules too (wrapped), in tracking order.
            yield attr, _tracked_modules(obj)
            continue
        try:
            value = getattr(obj, attr)
        except Exception:  # as Keras: a failing property is not state
            continue
        yield attr, value


def _tracked_modules(obj) -> list:
    out, seen = [], set()

    def visit(m):
        for child in m._modules.values():
            if isinstance(child, _Holder):
                visit(child)
            elif child is not None and id(child) not in seen:
                seen.add(id(child))
                out.append(child)

    visit(obj)
    return out


def _container_node(container, visited: set, visited_containers: set) -> StateNode:
    node = StateNode("container")
    if id(container) in visited_containers:
        return node
    visited_containers.add(id(container))
    items = list(container.values()) if isinstance(container, dict) else list(container)
    used: dict = {}
    for item in items:
        if _is_saveable(item):
            name = _unique(class_base_name(item), used)
            if id(item) not in visited:
                node.children[name] = _saveable_node(item, visited)
        elif isinstance(item, (list, tuple, dict)):
            name = _unique("container", used)
            child = _container_node(item, visited, visited_containers)
            if child.children:
                node.children[name] = child
    return node


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# ---------------------------------------------------------------------- layer order


def _keras_tensors(structure) -> list:
    from kshim.models.symbolic import KerasTensor

    out = []

    def visit(x):
        if isinstance(x, KerasTensor):
            out.append(x)
        elif isinstance(x, dict):
            for k in sorted(x, key=str):  # Keras' tree utilities sort dict keys
                visit(x[k])
        elif isinstance(x, (list, tuple)):
            for v in x:
                visit(v)

    visit(structure)
    return out


def keras_layers(model) -> list:
    """``model.layers`` in Keras' order.

    Sequential: the stacked layers (no InputLayer). Functional: Keras orders layers by
    depth from the outputs (deepest first), ties broken by first visit in a depth-first
    walk from the outputs; kshim's own ``layers`` may order branches differently, and
    the order decides names such as ``dense_1`` in the file. Operations that are not
    Keras layers (recorded torch functions) are left out, as Keras leaves out its ops.
    """
    from kshim.models.functional import Functional
    from kshim.models.input_layer import InputLayer
    from kshim.models.op_layer import TorchOpLayer

    if not isinstance(model, Functional):
        return list(model.layers)
    input_ids = {id(t) for t in model.inputs}
    finished, in_progress, ordered, op_index = set(), set(), [], {}
    layers_by_id = {}

    def is_input(node) -> bool:
        return isinstance(node.layer, InputLayer)

    for out in model.outputs:
        stack = [(out, None)]
        while stack:
            t, it = stack[-1]
            if it is None:
                node = t._node
                if node is None or id(node) in finished:
                    stack.pop()
                    continue
                if not is_input(node) and id(t) in input_ids:
                    finished.add(id(node))
                    stack.pop()
                    continue
                if id(node) in in_progress:
                    raise ValueError(f"The graph has a cycle at layer {node.layer.name}.")
                op_index.setdefault(id(node.layer), len(op_index))
                layers_by_id[id(node.layer)] = node.layer
                in_progress.add(id(node))
                parents = [] if is_input(node) else _keras_tensors((node.args, node.kwargs))
                stack[-1] = (t, iter(parents))
                continue
            nxt = next(it, None)
            if nxt is None:
                node = t._node
                finished.add(id(node))
                in_progress.discard(id(node))
                ordered.append(node)
                stack.pop()
            else:
                stack.append((nxt, None))

    in_graph = {id(n) for n in ordered}
    node_depth, op_depth = {}, {}
    for node in reversed(ordered):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, op_depth.get(id(node.layer), 0))
        op_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        if is_input(node):
            continue
        for t in _keras_tensors((node.args, node.kwargs)):
            parent = t._node
            if parent is not None and id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for t in model.inputs:
        node = t._node
        if node is not None and is_input(node) and id(node.layer) not in op_depth:
            op_depth[id(node.layer)] = 0
            op_index[id(node.layer)] = -1
            layers_by_id[id(node.layer)] = node.layer
    ids = sorted(op_depth, key=lambda i: (-op_depth[i], op_index[i]))
    return [
        layers_by_id[i]
        for i in ids
        if isinstance(layers_by_id[i], Layer) and not isinstance(layers_by_id[i], TorchOpLayer)
    ]


def _keras_sublayers(layer) -> list:
    kind = _model_kind(layer)
    if kind in ("Functional", "Sequential"):
        return keras_layers(layer)
    if _is_torch_wrapper(layer):
        return []
    return _tracked_modules(layer)


def keras_weights(obj) -> list:
    """All weights of ``obj`` in Keras' ``weights`` order: own, then sub-layers'."""
    out, seen = [], set()

    def visit(o):
        if isinstance(o, Layer) and not _is_torch_wrapper(o):
            ws = [w for _, w in own_variables(o)]
        else:
            module = o.module if _is_torch_wrapper(o) else o
            ws = list(module.parameters()) + list(module.buffers())
        for w in ws:
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        if isinstance(o, Layer):
            for sub in _keras_sublayers(o):
                visit(sub)

    visit(obj)
    return out


def legacy_weights(obj) -> list:
    """A layer's weights in tf.keras' HDF5 order: trainable ones, then the others."""
    ws = keras_weights(obj)
    frozen = isinstance(obj, Layer) and not obj.trainable
    trainable = [w for w in ws if not frozen and _weight_trainable(w)]
    ids = {id(w) for w in trainable}
    return trainable + [w for w in ws if id(w) not in ids]
