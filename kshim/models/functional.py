"""The functional model: a graph of layer calls on ``KerasTensor``s, replayed in order.

The execution plan is worked out once at construction (topological order, a slot per
tensor, which steps carry masks), so a call does little Python work per node: for the
common step (one tensor in, one out) it is one list read, one layer call, one list write.
"""

from __future__ import annotations

import re

import torch

from kshim.backend import naming
from kshim.layers.layer import Layer
from kshim.models.input_layer import InputLayer
from kshim.models.model import Model
from kshim.models.symbolic import KerasTensor, Node, flatten, map_structure
from kshim.saving import serialization_lib


class _Ref:
    """A placeholder for the value of a graph tensor in a step's argument template."""

    __slots__ = ("slot",)

    def __init__(self, slot: int):
        self.slot = slot


def _fill(template, vals):
    if type(template) is _Ref:
        return vals[template.slot]
    if isinstance(template, list):
        return [_fill(t, vals) for t in template]
    if isinstance(template, tuple):
        return tuple(_fill(t, vals) for t in template)
    if isinstance(template, dict):
        return {k: _fill(v, vals) for k, v in template.items()}
    return template


def _store(structure, slots, vals) -> None:
    if type(slots) is int:
        vals[slots] = structure
    elif isinstance(slots, dict):
        for k, s in slots.items():
            _store(structure[k], s, vals)
    elif isinstance(slots, (list, tuple)):
        for v, s in zip(structure, slots):
            _store(v, s, vals)


def _shape_ok(xs, ndim, fixed) -> bool:
    """Whether a shape fits a model input: its rank, then each known dimension. A plain
    loop: ``any`` over a generator costs ``torch.compile`` two more frames to trace."""
    if len(xs) != ndim:
        return False
    for i, d in fixed:
        if xs[i] != d:
            return False
    return True


def _overrides_compute_mask(layer) -> bool:
    return type(layer).compute_mask is not Layer.compute_mask


class _Step:
    __slots__ = (
        "arg_masks",
        "layer",
        "node",
        "simple",
        "in_slot",
        "out_slot",
        "args",
        "kwargs",
        "outs",
        "masked",
        "in_mask_slots",
        "out_mask_slot",
    )


def _normalize_io(value, what: str):
    """(structure, flat list of KerasTensors); TypeError for anything else."""
    flat = flatten(value)
    for t in flat:
        if not isinstance(t, KerasTensor):
            raise TypeError(
                f"All `{what}` of a functional Model must be KerasTensors (from "
                f"`kshim.Input` or layer calls). Received: {t!r} (of type {type(t).__name__})"
            )
    if not flat:
        raise ValueError(f"A functional Model needs at least one tensor in `{what}`.")
    return value, flat


def _auto_base(layer):
    """The class-derived base of a layer whose name looks generated (``dense``,
    ``dense_3``), else ``None`` (a name the user chose)."""
    base = layer._name_base or naming.to_snake_case(type(layer).__name__)
    if layer._name_base is not None or re.fullmatch(re.escape(base) + r"(_\d+)?", layer.name):
        return base
    return None


def _local_keys(layers) -> dict:
    """Model-local child names: a layer with a generated-looking name gets its class base
    made unique within the model (``dense``, ``dense_1``), so two models built by the same
    code, or rebuilt from a config, have the same ``state_dict`` keys; other names stay."""
    taken, keys, bases = set(), {}, {}
    for layer in layers:
        base = _auto_base(layer)
        if base is None:
            keys[id(layer)] = layer.name.replace(".", "_")
            taken.add(keys[id(layer)])
        else:
            bases[id(layer)] = base
    counts = {}
    for layer in layers:
        if id(layer) in keys:
            continue
        base = bases[id(layer)]
        n = counts.get(base, 0)
        key = base if n == 0 else f"{base}_{n}"
        while key in taken:
            n += 1
            key = f"{base}_{n}"
        counts[base] = n + 1
        taken.add(key)
        keys[id(layer)] = key
    return keys


class Functional(Model):
    """A model made of layer calls: ``Model(inputs, outputs)``.

    Args:
        inputs: A KerasTensor from ``kshim.Input``, or a list or dict of them.
        outputs: KerasTensors computed from ``inputs``: one, a list or a dict.
        name: The model's name.
        trainable: Whether the model's weights are trained.
    """

    _untracked_attrs = frozenset(
        {
            "_graph_layers",
            "_steps",
            "_nodes",
            "inputs",
            "outputs",
            "_inputs_struct",
            "_outputs_struct",
        }
    )

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        in_struct, in_flat = _normalize_io(inputs, "inputs")
        out_struct, out_flat = _normalize_io(outputs, "outputs")
        s = object.__setattr__
        s(self, "_inputs_struct", in_struct)
        s(self, "_outputs_struct", out_struct)
        s(self, "inputs", list(in_flat))
        s(self, "outputs", list(out_flat))
        nodes = self._topological_nodes(in_flat, out_flat)
        s(self, "_nodes", nodes)
        layers, seen = [], set()
        for t in in_flat:
            if t._node is not None and isinstance(t._node.layer, InputLayer):
                if id(t._node.layer) not in seen:
                    seen.add(id(t._node.layer))
                    layers.append(t._node.layer)
        for node in nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        s(self, "_graph_layers", layers)
        keys = _local_keys([la for la in layers if not isinstance(la, InputLayer)])
        for layer in layers:
            if not isinstance(layer, InputLayer):
                self._modules[keys[id(layer)]] = layer
        self._plan(in_flat, out_flat, nodes)
        s(self, "built", True)

    # ------------------------------------------------------------------ graph

    def _topological_nodes(self, in_flat, out_flat) -> list:
        input_ids = {id(t) for t in in_flat}
        order, state = [], {}

        def visit_tensor(t):
            if id(t) in input_ids:
                return
            node = t._node
            if node is None or isinstance(node.layer, InputLayer):
                name = t.name or (node.layer.name if node is not None else "?")
                raise ValueError(
                    f'Graph disconnected: the model\'s outputs need the input "{name}" '
                    f"(shape {t.shape}), which is not among the `inputs` passed to Model: "
                    f"{[i.name for i in in_flat]}"
                )
            visit_node(node)

        def visit_node(node):
            mark = state.get(id(node))
            if mark == 2:
                return
            if mark == 1:
                raise ValueError(f"The graph has a cycle at layer {node.layer.name}.")
            state[id(node)] = 1
            for t in flatten((node.args, node.kwargs)):
                if isinstance(t, KerasTensor):
                    visit_tensor(t)
            state[id(node)] = 2
            order.append(node)

        for t in out_flat:
            visit_tensor(t)
        return order

    def _plan(self, in_flat, out_flat, nodes) -> None:
        slots = {}
        for t in in_flat:
            slots.setdefault(id(t), len(slots))

        def ref(x):
            return _Ref(slots[id(x)]) if isinstance(x, KerasTensor) else x

        may_mask = dict.fromkeys(range(len(slots)), False)
        steps = []
        for node in nodes:
            st = _Step()
            st.layer, st.node = node.layer, node
            st.args = map_structure(ref, node.args)
            st.kwargs = map_structure(ref, node.kwargs)
            out_kts = flatten(node.outputs)
            for t in out_kts:
                if isinstance(t, KerasTensor):
                    slots[id(t)] = len(slots)
            st.outs = map_structure(
                lambda t: slots[id(t)] if isinstance(t, KerasTensor) else None, node.outputs
            )
            in_refs = [r for r in flatten(st.args) if type(r) is _Ref]
            st.simple = (
                len(st.args) == 1
                and type(st.args[0]) is _Ref
                and not st.kwargs
                and type(st.outs) is int
            )
            st.in_slot = st.args[0].slot if st.simple else None
            st.out_slot = st.outs if st.simple else None
            # Masks: a step carries one when its layer makes masks, or passes on a mask
            # that reaches it. Worked out now so that a mask-free model pays nothing.
            incoming = any(may_mask.get(r.slot, False) for r in in_refs)
            produces = _overrides_compute_mask(node.layer) or (
                incoming and getattr(node.layer, "supports_masking", False)
            )
            st.masked = incoming or _overrides_compute_mask(node.layer)
            st.in_mask_slots = [r.slot for r in in_refs]
            params = node.layer._call_params
            named = [(params[i], a) for i, a in enumerate(st.args) if i < len(params)]
            named += list(st.kwargs.items())
            st.arg_masks = [
                (name, node.layer._call_arg_masks[name], t)
                for name, t in named
                if name in node.layer._call_arg_masks
                and any(type(r) is _Ref and may_mask.get(r.slot) for r in flatten([t]))
            ]
            first_out = st.outs if type(st.outs) is int else None
            st.out_mask_slot = first_out if produces else None
            if first_out is not None:
                may_mask[first_out] = produces
            steps.append(st)
        s = object.__setattr__
        s(self, "_steps", steps)
        s(self, "_n_slots", len(slots))
        s(self, "_uses_masks", any(st.masked for st in steps))
        s(self, "_out_template", map_structure(lambda t: _Ref(slots[id(t)]), self._outputs_struct))
        s(self, "_input_names", [t.name for t in in_flat])
        s(self, "_input_checks", [self._shape_check(t) for t in in_flat])

    @staticmethod
    def _shape_check(t):
        fixed = tuple((i, d) for i, d in enumerate(t.shape) if d is not None)
        return (len(t.shape), fixed, t.shape)

    # ------------------------------------------------------------------ call

    def _flat_inputs(self, inputs) -> list:
        n = len(self.inputs)
        if isinstance(inputs, dict):
            names = self._input_names
            if isinstance(self._inputs_struct, dict):
                names = list(self._inputs_struct.keys())
            unknown = [k for k in inputs if k not in names]
            missing = [k for k in names if k not in inputs]
            if unknown or missing:
                raise ValueError(
                    f'Model "{self.name}" expects inputs with keys {names}. Received keys '
                    f"{list(inputs.keys())} (unknown: {unknown}, missing: {missing})."
                )
            return [inputs[k] for k in names]
        if isinstance(inputs, (list, tuple)):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != n:
            raise ValueError(
                f'Model "{self.name}" expects {n} input(s), but it received {len(flat)} '
                f"input tensors. Inputs received: {[_describe(x) for x in flat]}"
            )
        return flat

    def call(self, inputs, mask=None):
        flat = self._flat_inputs(inputs)
        for x, (ndim, fixed, shape), name in zip(flat, self._input_checks, self._input_names):
            xs = x.shape
            if not _shape_ok(xs, ndim, fixed):
                raise ValueError(
                    f'Input "{name}" of model "{self.name}" is incompatible: expected shape '
                    f"{shape}, but received input with shape {tuple(xs)}"
                )
        vals = [None] * self._n_slots
        vals[: len(flat)] = flat
        if self._uses_masks:
            return self._call_masked(vals, mask)
        for st in self._steps:
            if st.simple:
                vals[st.out_slot] = st.layer(vals[st.in_slot])
            else:
                out = st.layer(*_fill(st.args, vals), **_fill(st.kwargs, vals))
                _store(out, st.outs, vals)
        return _fill(self._out_template, vals)

    def _call_masked(self, vals, mask):
        """The plan with Keras' mask passing: a layer gets the mask of its first argument
        as ``mask=`` and the masks of its other tensor arguments as ``<arg>_mask=``, and
        ``compute_mask(first argument, its mask)`` gives the output's mask."""
        masks = [None] * self._n_slots
        if mask is not None:
            m = mask if isinstance(mask, (list, tuple)) else [mask]
            masks[: len(m)] = list(m)

        def mask_of(template):
            if type(template) is _Ref:
                return masks[template.slot]
            if isinstance(template, (list, tuple)):
                found = [mask_of(t) for t in template]
                return found if any(m is not None for m in found) else None
            return None

        for st in self._steps:
            args = _fill(st.args, vals)
            kwargs = _fill(st.kwargs, vals)
            first_mask = mask_of(st.args[0]) if st.args and st.masked else None
            if first_mask is not None and st.layer._call_has_mask and "mask" not in kwargs:
                kwargs["mask"] = first_mask
            for _name, mask_name, template in st.arg_masks:
                m = mask_of(template)
                if m is not None and mask_name not in kwargs:
                    kwargs[mask_name] = m
            out = st.layer(*args, **kwargs)
            _store(out, st.outs, vals)
            if st.out_mask_slot is not None:
                masks[st.out_mask_slot] = st.layer.compute_mask(args[0], first_mask)
        return _fill(self._out_template, vals)

    def compute_output_shape(self, input_shape):
        shapes = [t.shape for t in flatten(self._outputs_struct)]
        if isinstance(self._outputs_struct, KerasTensor):
            return shapes[0]
        return map_structure(lambda t: t.shape, self._outputs_struct)

    # ------------------------------------------------------------------ properties

    @property
    def layers(self) -> list:
        return list(self._graph_layers)

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return map_structure(lambda t: t.shape, self._inputs_struct)

    @property
    def output_shape(self):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    # ------------------------------------------------------------------ config

    def _node_indices(self) -> dict:
        """id(node) -> (layer name, index of the node among that layer's nodes here)."""
        per_layer, out = {}, {}
        for layer in self._graph_layers:
            if isinstance(layer, InputLayer):
                out[id(layer.output._node)] = (layer.name, 0)
        for node in self._nodes:
            n = per_layer.get(id(node.layer), 0)
            per_layer[id(node.layer)] = n + 1
            out[id(node)] = (node.layer.name, n)
        return out

    def get_config(self) -> dict:
        indices = self._node_indices()

        def history(t):
            name, node_index = indices[id(t._node)]
            return [name, node_index, t._index]

        def ser_arg(x):
            if isinstance(x, KerasTensor):
                return {
                    "class_name": "__keras_tensor__",
                    "config": {
                        "shape": list(x.shape),
                        "dtype": x.dtype,
                        "keras_history": history(x),
                    },
                }
            return serialization_lib.serialize_keras_object(x)

        def ser_struct(x):
            if isinstance(x, (list, tuple)):
                return [ser_struct(v) for v in x]
            if isinstance(x, dict):
                return {k: ser_struct(v) for k, v in x.items()}
            return ser_arg(x)

        layer_configs = []
        for layer in self._graph_layers:
            cfg = serialization_lib.serialize_keras_object(layer)
            cfg["name"] = layer.name
            nodes = [n for n in self._nodes if n.layer is layer]
            cfg["inbound_nodes"] = [
                {"args": ser_struct(list(n.args)), "kwargs": ser_struct(n.kwargs)} for n in nodes
            ]
            layer_configs.append(cfg)

        def io(struct):
            if isinstance(struct, KerasTensor):
                return history(struct)
            if isinstance(struct, dict):
                return {k: history(v) for k, v in struct.items()}
            return [history(v) for v in struct]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": io(self._inputs_struct),
            "output_layers": io(self._outputs_struct),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kshim.models.functional_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)


def _describe(x):
    if isinstance(x, torch.Tensor):
        return f"tensor of shape {tuple(x.shape)}"
    return type(x).__name__


__all__ = ["Functional", "Node"]
