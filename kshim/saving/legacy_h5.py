"""Legacy tf.keras HDF5 files (``.h5``): weights-only files and whole models.

Layout (tf.keras 2 and Keras 3's ``model.save("m.h5")``)::

    attrs: layer_names, backend, keras_version     (weights-only: at the root;
    <layer name>/   attrs: weight_names             a whole model: under model_weights/,
        <weight name>  (dataset, e.g. dense/kernel)  plus root attrs model_config, ...)
    top_level_model_weights/  attrs: weight_names

A layer's weights are listed trainable first, then non-trainable (``legacy_weights``).

Matching a file to a model: when the file's weighted layers and the model's weighted
layers have the same names, they are matched by name; otherwise by order (tf.keras'
"topological" loading), the model's layers taken in Keras' order. ``by_name=True`` matches
by name only and skips layers the file does not have, as tf.keras does. Counts and every
shape are checked before any weight is written.
"""

from __future__ import annotations

import json
import warnings

import numpy as np

from kshim.saving import h5_utils
from kshim.saving.assign import commit, convert_all

__all__ = [
    "KERAS_FORMAT_VERSION",
    "load_legacy_weights",
    "model_config_from_legacy",
    "model_config_to_legacy",
    "write_legacy_weights",
]

# The Keras release whose file formats kshim writes (metadata only; nothing checks it).
KERAS_FORMAT_VERSION = "3.15.1"
_ATTR_LIMIT = 64512  # HDF5's object header limit for one attribute


# ---------------------------------------------------------------------- attributes


def _write_string_list_attr(group, name: str, values: list) -> None:
    data = [v.encode("utf8") for v in values]
    if any(len(x) > _ATTR_LIMIT for x in data):
        raise ValueError(
            f"Cannot save the attribute {name!r}: a name is longer than {_ATTR_LIMIT} bytes."
        )
    if not data:
        group.attrs[name] = np.array([], dtype="S1")
        return
    arr = np.array(data)
    chunks = 1
    while arr.nbytes / chunks > _ATTR_LIMIT:
        chunks += 1
    if chunks == 1:
        group.attrs[name] = arr
    else:
        for i, part in enumerate(np.array_split(arr, chunks)):
            group.attrs[f"{name}{i}"] = part


# ---------------------------------------------------------------------- writing


def _is_model(obj) -> bool:
    from kshim.models.model import Model

    return isinstance(obj, Model)


def _model_layers(model) -> list:
    from kshim.saving.state_tree import keras_layers

    return keras_layers(model) if _is_model(model) else [model]


def _weight_names(layer, weights) -> list:
    names, used = [], set()
    for i, w in enumerate(weights):
        base = getattr(w, "_kpath", None) or f"{layer.name}/weight_{i}"
        name, n = base, 0
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        names.append(name)
    return names


def write_legacy_weights(group, model) -> None:
    """Writes ``model``'s weights into ``group`` in tf.keras' HDF5 layout."""
    from kshim.saving.state_tree import legacy_weights

    layers = _model_layers(model)
    _write_string_list_attr(group, "layer_names", [la.name for la in layers])
    group.attrs["backend"] = "torch"
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION
    for layer in sorted(layers, key=lambda la: la.name):
        g = group.create_group(layer.name)
        weights = legacy_weights(layer)
        names = _weight_names(layer, weights)
        _write_string_list_attr(g, "weight_names", names)
        for name, w in zip(names, weights):
            g.create_dataset(name, data=w.detach().cpu().numpy())
    top = group.create_group("top_level_model_weights")
    own = list(model._own_weights()) if _is_model(model) else []
    names = _weight_names(model, own)
    _write_string_list_attr(top, "weight_names", names)
    for name, w in zip(names, own):
        top.create_dataset(name, data=w.detach().cpu().numpy())


# ---------------------------------------------------------------------- reading


def _saved_layers(group, label: str) -> tuple[list, list]:
    h5py = h5_utils.require_h5py()
    names = h5_utils.read_string_list_attr(group, "layer_names")
    if not names and "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
        raise ValueError(
            f"{label!r} is not a Keras HDF5 weights file: it has no 'layer_names' attribute."
        )
    saved = []
    for name in names:
        g = h5_utils.checked_child(group, name, label)
        if not isinstance(g, h5py.Group):
            raise ValueError(f"{label!r}: {g.name} should be a group.")
        datasets = []
        for wname in h5_utils.read_string_list_attr(g, "weight_names"):
            ds = h5_utils.checked_child(g, wname, label)
            if not isinstance(ds, h5py.Dataset):
                raise ValueError(f"{label!r}: {g.name}/{wname} should be a dataset.")
            h5_utils.check_dataset(ds, label)
            datasets.append((wname, ds))
        if datasets:
            saved.append((name, datasets))
    top = []
    if "top_level_model_weights" in group:
        g = h5_utils.checked_child(group, "top_level_model_weights", label)
        for wname in h5_utils.read_string_list_attr(g, "weight_names"):
            ds = h5_utils.checked_child(g, wname, label)
            h5_utils.check_dataset(ds, label)
            top.append((wname, ds))
    return saved, top


def _pair_layer(layer, weights, saved_name, datasets, errors, pairs, label_k) -> None:
    if len(weights) != len(datasets):
        errors.append(
            f"{label_k}: layer '{layer.name}' has {len(weights)} weight(s) "
            f"{[tuple(w.shape) for w in weights]}, the file's layer '{saved_name}' has "
            f"{len(datasets)} {[tuple(ds.shape) for _, ds in datasets]}"
        )
        return
    own = []
    for w, (wname, ds) in zip(weights, datasets):
        if tuple(w.shape) != tuple(ds.shape):
            errors.append(
                f"{label_k}: layer '{layer.name}' weight of shape {tuple(w.shape)} cannot take "
                f"'{saved_name}/{wname}' of shape {tuple(ds.shape)}"
            )
            return
        own.append((w, ds, f"{saved_name}/{wname}"))
    pairs.extend(own)


def load_legacy_weights(model, group, label: str, skip_mismatch=False, by_name=False) -> None:
    """Loads tf.keras HDF5 weights from ``group`` (the file, or its ``model_weights``)."""
    from kshim.saving.state_tree import legacy_weights

    try:
        saved, top = _saved_layers(group, label)
    except (OSError, KeyError, RuntimeError) as e:
        raise OSError(f"Cannot read {label!r}: the HDF5 file is damaged ({e}).") from e
    layers = [(la, legacy_weights(la)) for la in _model_layers(model)]
    weighted = [(la, ws) for la, ws in layers if ws]
    errors, pairs = [], []
    saved_by_name = dict(saved)
    if by_name:
        for layer, ws in layers:
            if layer.name in saved_by_name:
                _pair_layer(
                    layer, ws, layer.name, saved_by_name[layer.name], errors, pairs, "by name"
                )
    elif sorted(la.name for la, _ in weighted) == sorted(saved_by_name) and len(
        saved_by_name
    ) == len(saved):
        for layer, ws in weighted:
            _pair_layer(layer, ws, layer.name, saved_by_name[layer.name], errors, pairs, "by name")
    else:
        if len(weighted) != len(saved):
            errors.append(
                f"the model has {len(weighted)} layer(s) with weights "
                f"{[la.name for la, _ in weighted]}, the file has {len(saved)} "
                f"{[name for name, _ in saved]}"
            )
        else:
            for k, ((layer, ws), (name, datasets)) in enumerate(zip(weighted, saved)):
                _pair_layer(layer, ws, name, datasets, errors, pairs, f"layer #{k}")
    if top:
        own = list(model._own_weights()) if _is_model(model) else []
        if len(own) != len(top):
            errors.append(f"the model has {len(own)} top-level weight(s), the file has {len(top)}")
        else:
            _pair_layer(model, own, "top_level_model_weights", top, errors, pairs, "top level")
    if errors:
        if not skip_mismatch:
            raise ValueError(
                f"Cannot load weights from {label!r} into {type(model).__name__} "
                f"'{model.name}': {errors[0]}. Nothing was loaded."
            )
        for err in errors:
            warnings.warn(f"Skipping weights from {label!r}: {err}.", stacklevel=3)
    values = [(w, h5_utils.read_dataset(ds, label), where) for w, ds, where in pairs]
    commit(convert_all(values, label))


# ---------------------------------------------------------------------- configs


_LAYER_KEYS_DROPPED = ("module", "registered_name", "build_config", "compile_config")


def model_config_to_legacy(config: dict) -> dict:
    """A Keras 3 model config in the form Keras writes into ``.h5`` files: model and
    layer entries carry ``class_name``/``config`` (no ``module``); nested objects keep
    theirs."""
    out = {k: v for k, v in config.items() if k not in _LAYER_KEYS_DROPPED}
    if config.get("registered_name") and config["registered_name"] != config.get("class_name"):
        out["class_name"] = config["registered_name"]
    inner = out.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        inner = dict(inner)
        inner["layers"] = [
            model_config_to_legacy(lc) if isinstance(lc, dict) else lc for lc in inner["layers"]
        ]
        out["config"] = inner
    return out


def _legacy_node(node) -> dict:
    """tf.keras' ``[[layer, node_index, tensor_index, kwargs], ...]`` as Keras 3's
    ``{"args": ..., "kwargs": ...}``."""
    if isinstance(node, dict):
        return node
    tensors, kwargs = [], {}
    for entry in node:
        if not isinstance(entry, (list, tuple)) or len(entry) not in (3, 4):
            raise ValueError(f"Cannot read an inbound node entry: {entry!r}")
        name, node_index, tensor_index = entry[:3]
        if len(entry) == 4 and isinstance(entry[3], dict):
            kwargs = entry[3]
        tensors.append(
            {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": None,
                    "dtype": None,
                    "keras_history": [name, node_index, tensor_index],
                },
            }
        )
    arg = tensors[0] if len(tensors) == 1 else tensors
    return {"args": [arg], "kwargs": _legacy_kwargs(kwargs)}


def _legacy_kwargs(kwargs: dict) -> dict:
    out = {}
    for k, v in kwargs.items():
        if (
            isinstance(v, list)
            and len(v) == 3
            and isinstance(v[0], str)
            and all(isinstance(i, int) for i in v[1:])
        ):
            v = {"class_name": "__keras_tensor__", "config": {"keras_history": list(v)}}
        out[k] = v
    return out


def _with_module(entry: dict) -> dict:
    from kshim.saving import object_registration

    entry = dict(entry)
    if entry.get("module") is None:
        cls = entry.get("class_name")
        if cls in ("Functional", "Model"):
            entry["module"], entry["class_name"] = "keras.src.models.functional", "Functional"
        elif cls == "Sequential":
            entry["module"] = "keras"
        elif isinstance(cls, str):
            import kshim.layers  # noqa: F401 - registers kshim's Keras layer names

            if object_registration.get_public_object(f"keras.layers.{cls}") is not None:
                entry["module"] = "keras.layers"
            elif ">" in cls:
                entry["registered_name"], entry["class_name"] = cls, cls.split(">", 1)[1]
    return entry


def model_config_from_legacy(config: dict) -> dict:
    """A model config from an ``.h5`` file (Keras 3 or tf.keras) in Keras 3's form."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A model config needs a 'class_name'. Received: {str(config)[:200]}")
    out = _with_module(config)
    inner = out.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        inner = dict(inner)
        layers = []
        for lc in inner["layers"]:
            if not isinstance(lc, dict):
                raise ValueError(f"A layer config must be a dict. Received: {str(lc)[:200]}")
            lc = model_config_from_legacy(lc)
            if "inbound_nodes" in lc:
                lc["inbound_nodes"] = [_legacy_node(n) for n in lc["inbound_nodes"]]
            layers.append(lc)
        inner["layers"] = layers
        out["config"] = inner
    return out


def decode_json_attr(value, label: str, what: str):
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        raise ValueError(f"{label!r}: the {what} attribute is not a JSON string.")
    try:
        return json.loads(value)
    except ValueError as e:
        raise ValueError(f"{label!r}: the {what} attribute is not valid JSON ({e}).") from None
