"""Careful HDF5 access for untrusted files: no links out of the file, no external or
virtual datasets, no "shape bombs", and every failure named after the file."""

from __future__ import annotations

import math
import os

import numpy as np

# A dataset that declares more than this many bytes must store at least 1/1000 of them:
# compressed fill-value datasets can otherwise force huge allocations (as Keras checks).
_BOMB_FLOOR_BYTES = 1 << 32
_MAX_EXPANSION = 1000


def require_h5py():
    """Returns ``h5py``; HDF5 files need it (``pip install h5py``)."""
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is a test dependency
        raise ImportError(
            "Reading and writing Keras HDF5 files (.weights.h5, .h5, .keras) requires "
            "h5py: `pip install h5py`."
        ) from e
    return h5py


def display_path(path) -> str:
    return os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path)


def open_for_reading(source, path_label: str):
    """Opens an HDF5 file (a path or a binary file object) read-only; ``OSError`` naming
    the file when it is missing, truncated or not HDF5."""
    h5py = require_h5py()
    try:
        return h5py.File(source, mode="r")
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise OSError(f"Cannot read {path_label!r} as an HDF5 file: {e}") from e


def checked_child(group, name: str, path_label: str):
    """``group[name]`` after refusing soft and external links."""
    h5py = require_h5py()
    link = group.get(name, default=None, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        raise ValueError(
            f"{path_label!r}: the HDF5 object {group.name}/{name} is a "
            f"{type(link).__name__}; links are not allowed in weight files."
        )
    return group[name]


def check_dataset(ds, path_label: str) -> None:
    """Refuses external, virtual and bomb datasets (checked before any data is read)."""
    if ds.external:
        raise ValueError(f"{path_label!r}: dataset {ds.name} stores its data outside the file.")
    if ds.is_virtual:
        raise ValueError(f"{path_label!r}: dataset {ds.name} is a virtual dataset.")
    declared = math.prod(ds.shape or ()) * ds.dtype.itemsize
    stored = ds.id.get_storage_size()
    if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
        raise ValueError(
            f"{path_label!r}: dataset {ds.name} declares {declared} bytes but stores only "
            f"{stored}; refusing a potential decompression bomb."
        )
    kind = ds.dtype.kind
    if kind not in "biufc" and not is_bfloat16(ds):
        raise ValueError(
            f"{path_label!r}: dataset {ds.name} has dtype {ds.dtype}, which is not a numeric "
            "weight."
        )


def is_bfloat16(ds) -> bool:
    value = ds.attrs.get("dtype") if "dtype" in ds.attrs else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value == "bfloat16"


def read_dataset(ds, path_label: str):
    """The dataset's value: a numpy array, or a torch bfloat16 tensor for Keras' bfloat16
    datasets (numpy has no bfloat16)."""
    try:
        value = ds[()]
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as e:
        raise OSError(f"Cannot read dataset {ds.name} of {path_label!r}: {e}") from e
    if is_bfloat16(ds):
        import torch

        raw = np.ascontiguousarray(np.asarray(value)).view(np.int16).copy()
        return torch.from_numpy(raw).view(torch.bfloat16)
    return np.asarray(value)


def decode_strings(values) -> list:
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def read_string_list_attr(group, name: str) -> list:
    """A (possibly chunked) list-of-strings attribute, as tf.keras writes them."""
    if name in group.attrs:
        return decode_strings(np.atleast_1d(group.attrs[name]).tolist())
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out.extend(decode_strings(np.atleast_1d(group.attrs[f"{name}{i}"]).tolist()))
        i += 1
    return out
