"""Keras 3's ``.weights.h5`` layout: writing it, and matching a file to a model.

Layout (what Keras 3 writes, see ``state_tree``)::

    vars                          attrs: name=<model name>; the model's own variables
    layers/dense/vars/0, /1       a layer's variables, in Keras' order
    layers/lstm/cell/vars/0..2    a sub-layer kept on an attribute
    optimizer/vars/...            Keras' trainer state (ignored by kshim)

Matching rule, applied at each node of the model's saveable tree:

1. By name: a layer's variables are read from ``<path>/vars/<i>`` and its children from
   the groups of the same names. Names are Keras' (attribute names and class-based names
   inside containers), never layer names, so auto-generated names (``dense_3`` vs
   ``dense``) do not matter.
2. By order, where the names disagree (a sub-structure named differently): all variables
   of the node's subtree, own first then children in Keras' walk order, are paired with
   all datasets under the file's group in the same order. Counts and every shape must
   agree.

Anything else is a mismatch: a missing group, a different variable count or shape, or
weights in the file that the model has no place for. The first one is reported with the
file's name; nothing is written unless every weight matched.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import torch

from kshim.saving import h5_utils
from kshim.saving.assign import commit, convert_all
from kshim.saving.state_tree import StateNode, build_tree, natural_key

__all__ = ["load_from_h5", "write_to_h5"]

# Top-level groups Keras writes for a compiled model's trainer; kshim has no trainer.
_TRAINER_GROUPS = ("optimizer",)
_MAX_DEPTH = 256


def _is_trainer_group(name: str) -> bool:
    return name in _TRAINER_GROUPS or "metric" in name or "loss" in name


# ---------------------------------------------------------------------- writing


def _as_h5_value(tensor: torch.Tensor):
    t = tensor.detach().cpu()
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy().view("V2"), "bfloat16"
    return t.numpy(), None


def write_to_h5(h5file, layer) -> None:
    """Writes ``layer``'s variables into an open, empty ``h5py.File`` in Keras' layout."""
    _write_node(h5file, build_tree(layer), "")


def _write_node(h5file, node: StateNode, path: str) -> None:
    if node.kind != "container":
        group = (
            h5file.require_group(path).create_group("vars") if path else h5file.create_group("vars")
        )
        group.attrs["name"] = node.name or ""
        for key, tensor in node.variables:
            value, dtype_attr = _as_h5_value(tensor)
            ds = group.create_dataset(key, data=value)
            if dtype_attr is not None:
                ds.attrs["dtype"] = dtype_attr
    for name, child in node.children.items():
        _write_node(h5file, child, f"{path}/{name}" if path else name)


# ---------------------------------------------------------------------- reading


@dataclass
class FileNode:
    """A group of the file: its ``vars`` datasets and its child groups."""

    variables: dict = field(default_factory=dict)
    children: dict = field(default_factory=dict)

    def has_datasets(self) -> bool:
        return bool(self.variables) or any(c.has_datasets() for c in self.children.values())

    def flat(self, prefix: str = "", skip_trainer: bool = False) -> list:
        keys = sorted(
            self.variables, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k)
        )
        out = [(f"{prefix}vars/{k}", self.variables[k]) for k in keys]
        for name in sorted(self.children, key=natural_key):
            if skip_trainer and _is_trainer_group(name):
                continue
            out.extend(self.children[name].flat(f"{prefix}{name}/"))
        return out


def read_file_tree(group, label: str, depth: int = 0) -> FileNode:
    """The file's groups and ``vars`` datasets (headers only: no data is read here)."""
    h5py = h5_utils.require_h5py()
    if depth > _MAX_DEPTH:
        raise ValueError(f"{label!r}: groups are nested more than {_MAX_DEPTH} levels deep.")
    node = FileNode()
    try:
        keys = list(group.keys())
        for key in keys:
            obj = h5_utils.checked_child(group, key, label)
            if not isinstance(obj, h5py.Group):
                continue  # Keras keeps datasets only under ``vars``
            if key == "vars":
                for vkey in obj.keys():
                    ds = h5_utils.checked_child(obj, vkey, label)
                    if not isinstance(ds, h5py.Dataset):
                        raise ValueError(
                            f"{label!r}: {ds.name} should be a dataset, found a group."
                        )
                    h5_utils.check_dataset(ds, label)
                    node.variables[vkey] = ds
            else:
                node.children[key] = read_file_tree(obj, label, depth + 1)
    except (OSError, KeyError, RuntimeError) as e:
        raise OSError(f"Cannot read {label!r}: the HDF5 file is damaged ({e}).") from e
    return node


def _describe(node: StateNode) -> str:
    obj = node.obj
    if node.kind == "container":
        return "container"
    return f"{type(obj).__name__} '{node.name}'"


def _shapes(items) -> list:
    return [tuple(t.shape) for _, t in items]


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def match(mnode: StateNode, fnode: FileNode, path: str = "") -> tuple[list, list]:
    """Pairs the model's variables with the file's datasets under one node.

    Returns ``(pairs, errors)``: ``pairs`` are ``(tensor, dataset, location)`` for every
    part that matched, ``errors`` describe the parts that did not.
    """
    pairs, errors = [], []
    where = path or "/"
    if mnode.kind != "container":
        mkeys = [k for k, _ in mnode.variables]
        fkeys = set(fnode.variables)
        if set(mkeys) != fkeys:
            errors.append(
                f"{_describe(mnode)} at '{where}' has {len(mkeys)} variable(s) "
                f"{_shapes(mnode.variables)}, but the file has {len(fkeys)} at "
                f"'{_join(path, 'vars')}'"
            )
        else:
            own = []
            for key, tensor in mnode.variables:
                ds = fnode.variables[key]
                if tuple(ds.shape) != tuple(tensor.shape):
                    errors.append(
                        f"{_describe(mnode)}: variable {key} has shape {tuple(tensor.shape)}, "
                        f"but '{_join(path, 'vars/' + key)}' in the file has shape "
                        f"{tuple(ds.shape)}"
                    )
                else:
                    own.append((tensor, ds, _join(path, f"vars/{key}")))
            if not errors:
                pairs.extend(own)
    for name, child in mnode.children.items():
        if not child.has_variables():
            continue
        fchild = fnode.children.get(name)
        if fchild is None:
            errors.append(
                f"{_describe(child)} at '{_join(path, name)}' has weights, but the file has "
                "no such group"
            )
            continue
        p, e = match(child, fchild, _join(path, name))
        pairs.extend(p)
        errors.extend(e)
    for name, fchild in fnode.children.items():
        mchild = mnode.children.get(name)
        if (mchild is None or not mchild.has_variables()) and fchild.has_datasets():
            if not path and _is_trainer_group(name):
                continue
            errors.append(
                f"the file has weights at '{_join(path, name)}', which the model does not have"
            )
    if errors:
        flat_m = mnode.flat_variables()
        flat_f = fnode.flat(skip_trainer=not path)
        if flat_m and len(flat_m) == len(flat_f):
            if all(tuple(t.shape) == tuple(ds.shape) for (_, t), (_, ds) in zip(flat_m, flat_f)):
                return [(t, ds, _join(path, loc)) for (_, t), (loc, ds) in zip(flat_m, flat_f)], []
    return pairs, errors


def load_from_h5(layer, h5file, label: str, skip_mismatch: bool = False) -> None:
    """Loads ``layer``'s weights from an open Keras 3 weights file: checks the whole file,
    reads every value, then writes them all (or nothing)."""
    file_tree = read_file_tree(h5file, label)
    model_tree = build_tree(layer)
    pairs, errors = match(model_tree, file_tree)
    if errors:
        if not skip_mismatch:
            more = (
                f" ({len(errors) - 1} more mismatch(es) after this one)" if len(errors) > 1 else ""
            )
            raise ValueError(
                f"Cannot load weights from {label!r} into {type(layer).__name__} "
                f"'{layer.name}': {errors[0]}{more}. Nothing was loaded."
            )
        for err in errors:
            warnings.warn(f"Skipping weights from {label!r}: {err}.", stacklevel=3)
    values = [(t, h5_utils.read_dataset(ds, label), loc) for t, ds, loc in pairs]
    commit(convert_all(values, label))
