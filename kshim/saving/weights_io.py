"""``save_weights`` / ``load_weights`` for layers and models, by file extension.

=====================  =====================================================  ==========
extension              format                                                 keyed by
=====================  =====================================================  ==========
``.weights.h5``        Keras 3's layout (Keras reads ours, we read Keras')    Keras paths
``.h5`` / ``.hdf5``    legacy tf.keras HDF5 (weights-only or a whole model)   layer names
``.keras``             load only: the weights inside a ``.keras`` archive     Keras paths
``.safetensors``       safetensors                                            state_dict
``.pt`` / ``.pth``     ``torch.save(state_dict)``; loaded ``weights_only``    state_dict
=====================  =====================================================  ==========

Every load checks the whole file against the model (readable, structure, each weight's
count, name and shape), converts every value, and only then writes; a failure raises
``ValueError`` (mismatch) or ``OSError`` (unreadable file) naming the file and the first
mismatch, and the model is left unchanged. Writes go to a temporary file in the same
directory that replaces the target at the end, so a failed save leaves no half file.
"""

from __future__ import annotations

import os
import tempfile
import warnings

import torch

from kshim.saving import h5_utils
from kshim.saving.assign import commit, convert_all

__all__ = ["ACCEPTED_EXTENSIONS", "load_weights", "save_weights"]

ACCEPTED_EXTENSIONS = (".weights.h5", ".h5", ".hdf5", ".keras", ".safetensors", ".pt", ".pth")
_SAVE_EXTENSIONS = (".weights.h5", ".h5", ".hdf5", ".safetensors", ".pt", ".pth")


def _format_of(path: str, accepted) -> str:
    lower = path.lower()
    for ext in sorted(accepted, key=len, reverse=True):
        if lower.endswith(ext):
            return ext
    raise ValueError(
        f"Cannot tell the weights format of {path!r} from its extension. Accepted "
        f"extensions: {', '.join(accepted)}."
    )


def _check_layer(layer, what: str) -> None:
    from kshim.layers.layer import Layer

    if not isinstance(layer, Layer):
        raise TypeError(f"{what} expects a kshim layer or model. Received: {type(layer).__name__}")


def _check_built(layer, path: str, verb: str) -> None:
    if not layer.built:
        raise ValueError(
            f"Cannot {verb} {path!r}: {type(layer).__name__} '{layer.name}' is not built, so it "
            "has no weights yet. Build it first (call it on data, or call `build()`)."
        )


class atomic_write:
    """A temporary path next to ``path`` that replaces ``path`` when the block succeeds."""

    def __init__(self, path: str, overwrite: bool):
        self.path = path
        self.overwrite = overwrite

    def __enter__(self) -> str:
        if not self.overwrite and os.path.exists(self.path):
            raise FileExistsError(f"{self.path!r} already exists and overwrite=False.")
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=".kshim-", suffix=".tmp", dir=directory)
        os.close(fd)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.remove(self.tmp)
        return False


def _plain_state_dict(layer) -> dict:
    return {k: v.detach().as_subclass(torch.Tensor) for k, v in layer.state_dict().items()}


def save_weights(layer, filepath, overwrite: bool = True) -> None:
    """Writes ``layer``'s weights to ``filepath``; the format follows the extension.

    Args:
        layer: A built kshim layer or model.
        filepath: Path ending in ``.weights.h5``, ``.h5``/``.hdf5`` (legacy tf.keras
            layout), ``.safetensors`` or ``.pt``/``.pth``.
        overwrite: Whether an existing file may be replaced (``FileExistsError`` if not).

    >>> import os, tempfile, torch, kshim
    >>> a = kshim.Sequential([kshim.Input((2,)), kshim.layers.Dense(3)])
    >>> b = kshim.Sequential([kshim.Input((2,)), kshim.layers.Dense(3)])
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> a.save_weights(path)
    >>> b.load_weights(path)
    >>> all(torch.equal(x, y) for x, y in zip(a.weights, b.weights))
    True
    """
    _check_layer(layer, "save_weights")
    path = os.fspath(filepath)
    fmt = _format_of(path, _SAVE_EXTENSIONS)
    _check_built(layer, path, "save weights to")
    with atomic_write(path, overwrite) as tmp:
        if fmt in (".weights.h5", ".h5", ".hdf5"):
            h5py = h5_utils.require_h5py()
            with h5py.File(tmp, "w") as f:
                if fmt == ".weights.h5":
                    from kshim.saving.keras_h5 import write_to_h5

                    write_to_h5(f, layer)
                else:
                    from kshim.saving.legacy_h5 import write_legacy_weights

                    write_legacy_weights(f, layer)
        elif fmt == ".safetensors":
            from kshim.saving.safetensors_io import write_safetensors

            write_safetensors(_plain_state_dict(layer), tmp, metadata={"format": "pt"})
        else:
            torch.save({k: v.cpu() for k, v in _plain_state_dict(layer).items()}, tmp)


def load_weights(layer, filepath, skip_mismatch: bool = False, **kwargs) -> None:
    """Loads weights written by ``save_weights`` or by Keras into ``layer``.

    Args:
        layer: A built kshim layer or model.
        filepath: A ``.weights.h5``, ``.h5``/``.hdf5``, ``.keras``, ``.safetensors`` or
            ``.pt``/``.pth`` file.
        skip_mismatch: Warn about (rather than refuse) the parts of the file that do not
            match the model, and load the rest.
        **kwargs: ``by_name=True`` for legacy ``.h5`` files: match layers by name only.

    Raises:
        ValueError: The file does not match the model (the message names the file and
            the first mismatch), or the extension is unknown. The model is unchanged.
        OSError: The file cannot be read (missing, truncated, corrupt).
    """
    _check_layer(layer, "load_weights")
    by_name = kwargs.pop("by_name", False)
    if kwargs:
        raise TypeError(f"load_weights: unexpected keyword arguments {sorted(kwargs)}.")
    path = os.fspath(filepath)
    fmt = _format_of(path, ACCEPTED_EXTENSIONS)
    if by_name and fmt not in (".h5", ".hdf5"):
        raise ValueError(f"`by_name` only applies to legacy '.h5' files. Received: {path!r}")
    _check_built(layer, path, "load weights from")
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such weights file: {path!r}")
    if fmt == ".weights.h5":
        from kshim.saving.keras_h5 import load_from_h5

        with h5_utils.open_for_reading(path, path) as f:
            load_from_h5(layer, f, path, skip_mismatch)
    elif fmt in (".h5", ".hdf5"):
        from kshim.saving.legacy_h5 import load_legacy_weights

        with h5_utils.open_for_reading(path, path) as f:
            group = f
            if "model_weights" in f:
                group = h5_utils.checked_child(f, "model_weights", path)
            elif "layer_names" not in f.attrs and "vars" in f:
                raise ValueError(
                    f"{path!r} is in Keras 3's weights layout; name it '*.weights.h5' to load it."
                )
            load_legacy_weights(layer, group, path, skip_mismatch, by_name=by_name)
    elif fmt == ".keras":
        from kshim.saving.archive import load_weights_from_archive

        load_weights_from_archive(layer, path, skip_mismatch)
    elif fmt == ".safetensors":
        from kshim.saving.safetensors_io import read_safetensors

        tensors, _ = read_safetensors(path)
        load_state_dict_checked(layer, tensors, path, skip_mismatch)
    else:
        load_state_dict_checked(layer, _torch_load(path), path, skip_mismatch)


def _torch_load(path: str) -> dict:
    import pickle

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise ValueError(
            f"Cannot load {path!r}: it holds objects other than tensors, and kshim loads "
            f"'.pt' files with torch.load(weights_only=True), which refuses them ({e})."
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as e:
        raise OSError(f"Cannot read {path!r} as a torch checkpoint: {e}") from e
    if not isinstance(obj, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items()
    ):
        raise ValueError(
            f"{path!r} does not hold a state_dict (a dict of name -> tensor). "
            f"Received an object of type {type(obj).__name__}."
        )
    return obj


def load_state_dict_checked(layer, tensors: dict, path: str, skip_mismatch: bool = False) -> None:
    """``layer.load_state_dict(tensors)`` that checks every key and shape first and
    changes nothing when any check fails (unless ``skip_mismatch``)."""
    targets = layer.state_dict(keep_vars=True)
    errors = []
    missing = [k for k in targets if k not in tensors]
    unexpected = [k for k in tensors if k not in targets]
    if missing:
        errors.append(
            f"{len(missing)} weight(s) of the model are missing from the file, first "
            f"'{missing[0]}' of shape {tuple(targets[missing[0]].shape)}"
        )
    if unexpected:
        errors.append(
            f"the file has {len(unexpected)} weight(s) the model does not have, first "
            f"'{unexpected[0]}'"
        )
    pairs = []
    for key, target in targets.items():
        if key not in tensors:
            continue
        value = tensors[key]
        if tuple(value.shape) != tuple(target.shape):
            errors.append(
                f"'{key}' has shape {tuple(value.shape)} in the file, the model's weight has "
                f"shape {tuple(target.shape)}"
            )
            continue
        pairs.append((target, value, f"'{key}'"))
    if errors:
        if not skip_mismatch:
            raise ValueError(
                f"Cannot load weights from {path!r} into {type(layer).__name__} "
                f"'{layer.name}': {errors[0]}. Nothing was loaded."
            )
        for err in errors:
            warnings.warn(f"Skipping weights from {path!r}: {err}.", stacklevel=3)
    commit(convert_all(pairs, path))
