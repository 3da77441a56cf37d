"""Rebuilding a functional model from its Keras 3 config (layers plus inbound nodes)."""

from __future__ import annotations

from kshim.models.input_layer import InputLayer
from kshim.models.symbolic import flatten
from kshim.saving import serialization_lib


def _is_history(x) -> bool:
    return (
        isinstance(x, (list, tuple))
        and len(x) == 3
        and isinstance(x[0], str)
        and isinstance(x[1], int)
        and isinstance(x[2], int)
    )


def functional_from_config(cls, config, custom_objects=None):
    """Creates the layers of ``config`` and replays their calls to rebuild the graph."""
    if not isinstance(config, dict) or "layers" not in config:
        raise ValueError(f"A functional model config needs a 'layers' list. Received: {config!r}")
    created, outputs = {}, {}
    for lc in config["layers"]:
        name = lc.get("name") or lc.get("config", {}).get("name")
        layer = serialization_lib.deserialize_keras_object(lc, custom_objects=custom_objects)
        created[name] = layer
        if isinstance(layer, InputLayer):
            outputs[(name, 0)] = [layer.output]

    def tensor(history):
        name, node_index, tensor_index = history
        return outputs[(name, node_index)][tensor_index]

    def ready(x) -> bool:
        if isinstance(x, dict):
            if x.get("class_name") == "__keras_tensor__":
                h = x["config"]["keras_history"]
                return (h[0], h[1]) in outputs
            return all(ready(v) for v in x.values())
        if isinstance(x, (list, tuple)):
            return all(ready(v) for v in x)
        return True

    def rebuild(x):
        if isinstance(x, dict):
            if x.get("class_name") == "__keras_tensor__":
                return tensor(x["config"]["keras_history"])
            if "class_name" in x and "config" in x:
                return serialization_lib.deserialize_keras_object(x, custom_objects=custom_objects)
            return {k: rebuild(v) for k, v in x.items()}
        if isinstance(x, list):
            return [rebuild(v) for v in x]
        if isinstance(x, tuple):
            return tuple(rebuild(v) for v in x)
        return x

    pending = []
    for lc in config["layers"]:
        name = lc.get("name") or lc.get("config", {}).get("name")
        for i, node in enumerate(lc.get("inbound_nodes", [])):
            pending.append((name, i, node))
    while pending:
        progressed = False
        for item in list(pending):
            name, i, node = item
            if isinstance(node, dict):
                args, kwargs = node.get("args", []), node.get("kwargs", {})
            else:
                raise ValueError(
                    f"Layer '{name}': inbound node {i} is in a format kshim cannot read "
                    f"(tf.keras legacy nodes are read by the legacy loader). Received: {node!r}"
                )
            if not (ready(args) and ready(kwargs)):
                continue
            out = created[name](*rebuild(args), **rebuild(kwargs))
            outputs[(name, i)] = flatten(out)
            pending.remove(item)
            progressed = True
        if not progressed:
            names = sorted({p[0] for p in pending})
            raise ValueError(
                f"The functional model config cannot be rebuilt: layers {names} wait for inputs that no layer makes."
            )

    def io(spec):
        if _is_history(spec):
            return tensor(spec)
        if isinstance(spec, dict):
            return {k: io(v) for k, v in spec.items()}
        return [io(v) for v in spec]

    inputs = io(config["input_layers"])
    outs = io(config["output_layers"])
    if isinstance(outs, list) and len(outs) == 1 and not _is_history(config["output_layers"]):
        # Keras writes a single output as a one-element list.
        outs = outs[0] if len(config["output_layers"]) == 1 else outs
    if isinstance(inputs, list) and len(inputs) == 1 and not _is_history(config["input_layers"]):
        inputs = inputs[0]
    return cls(inputs, outs, name=config.get("name"), trainable=config.get("trainable", True))
