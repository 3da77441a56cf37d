"""``Model.summary()``: Keras' table of layers, output shapes and parameter counts."""

from __future__ import annotations

from kshim.layers.layer import Layer


def _count(weights) -> int:
    seen, n = set(), 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            n += w.numel()
    return n


def readable_memory_size(num_bytes: float) -> str:
    units = ["B", "KB", "MB", "GB", "TB"]
    i = 0
    while num_bytes >= 1024 and i < len(units) - 1:
        num_bytes /= 1024
        i += 1
    return f"{num_bytes:.2f} {units[i]}"


def _bytes(weights) -> int:
    seen, n = set(), 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            n += w.numel() * w.element_size()
    return n


def _fmt_shape(shape) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_fmt_shape(v)}" for k, v in shape.items()) + "}"
    if isinstance(shape, list):
        return "[" + ", ".join(_fmt_shape(s) for s in shape) + "]"
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + (",)" if len(shape) == 1 else ")")
    )


def _rows(model):
    """(name (type), output shape, params, connected-to) for each layer of the model."""
    from kshim.models.functional import Functional
    from kshim.models.sequential import Sequential
    from kshim.models.symbolic import KerasTensor, flatten, map_structure

    rows = []
    if isinstance(model, Functional):
        indices = model._node_indices()
        for layer in model.layers:
            nodes = [n for n in model._nodes if n.layer is layer]
            if nodes:
                outs = map_structure(
                    lambda t: t.shape if isinstance(t, KerasTensor) else None, nodes[0].outputs
                )
                connected = []
                for n in nodes:
                    for t in flatten((n.args, n.kwargs)):
                        if isinstance(t, KerasTensor):
                            name, idx = indices[id(t._node)]
                            connected.append(f"{name}[{idx}][{t._index}]")
            else:
                outs, connected = layer.output.shape, ["-"]
            rows.append((layer, outs, connected))
        return rows, True
    if isinstance(model, Sequential):
        for layer in model.layers:
            rows.append((layer, model._shapes.get(id(layer)), None))
        return rows, False
    for layer in model.layers:
        rows.append((layer, None, None))
    return rows, False


def print_summary(
    model, line_length=None, print_fn=None, expand_nested=False, show_trainable=False
):
    print_fn = print_fn or print
    rows, functional = _rows(model)
    header = ["Layer (type)", "Output Shape", "Param #"]
    if functional:
        header.append("Connected to")
    if show_trainable:
        header.append("Trainable")
    table = []
    for layer, shape, connected in rows:
        params = _count(layer.weights) if layer.built else None
        cells = [
            f"{layer.name} ({type(layer).__name__})",
            _fmt_shape(shape),
            "0 (unbuilt)" if params is None else f"{params:,}",
        ]
        if functional:
            cells.append(", ".join(connected))
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        table.append(cells)
    widths = [
        max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(header)
    ]
    if line_length:
        widths[0] = max(widths[0], line_length - sum(widths[1:]) - 3 * len(widths) - 1)
    right = {2}

    def line(cells, left="\u2502", mid="\u2502", end="\u2502"):
        parts = [
            (c.rjust(w) if i in right else c.ljust(w))
            for i, (c, w) in enumerate(zip(cells, widths))
        ]
        return left + " " + f" {mid} ".join(parts) + " " + end

    def rule(left, mid, end, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + end

    print_fn(f'Model: "{model.name}"')
    print_fn(rule("\u250f", "\u2533", "\u2513", "\u2501"))
    print_fn(line(header, "\u2503", "\u2503", "\u2503"))
    print_fn(rule("\u2521", "\u2547", "\u2529", "\u2501"))
    for i, cells in enumerate(table):
        print_fn(line(cells))
        if i < len(table) - 1:
            print_fn(rule("\u251c", "\u253c", "\u2524", "\u2500"))
    print_fn(rule("\u2514", "\u2534", "\u2518", "\u2500"))
    all_w = model.weights
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    print_fn(f" Total params: {_count(all_w):,} ({readable_memory_size(_bytes(all_w))})")
    print_fn(
        f" Trainable params: {_count(trainable):,} ({readable_memory_size(_bytes(trainable))})"
    )
    print_fn(
        f" Non-trainable params: {_count(non_trainable):,} "
        f"({readable_memory_size(_bytes(non_trainable))})"
    )


__all__ = ["print_summary", "readable_memory_size", "Layer"]
