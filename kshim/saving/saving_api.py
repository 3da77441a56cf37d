"""``save_model`` and ``load_model``: whole models in Keras 3's files.

* ``.keras``: Keras 3's zip archive (``zipped=False``: the same files in a directory).
* ``.h5`` / ``.hdf5``: the legacy tf.keras HDF5 model file (``model_config`` attribute
  plus ``model_weights``), as Keras 3's ``model.save("m.h5")`` writes it.

Files move both ways: Keras 3 loads what kshim saves and kshim loads what Keras 3 (and,
for ``.h5``, tf.keras) saves, for functional, Sequential and registered subclassed models.

Loading is safe with untrusted files: nothing is unpickled or evaluated, the config is
checked for code before anything is built (``safe_mode``), class names are looked up only
among kshim's layers, registered classes and ``custom_objects`` (no module named by a file
is imported), and the weights are checked against the rebuilt model before any is written.
"""

from __future__ import annotations

import json
import os

import torch

from kshim.saving import archive, h5_utils, legacy_h5, serialization_lib
from kshim.saving.weights_io import atomic_write

__all__ = ["load_model", "save_model"]

_KERAS_EXTENSIONS = (".keras",)
_H5_EXTENSIONS = (".h5", ".hdf5")


def _check_model(model) -> None:
    from kshim.layers.layer import Layer

    if not isinstance(model, Layer):
        raise TypeError(
            f"save_model expects a kshim model or layer. Received: {type(model).__name__}"
        )


def save_model(model, filepath, overwrite: bool = True, zipped=None, **kwargs) -> None:
    """Saves ``model`` (config and weights) in Keras 3's ``.keras`` format or legacy ``.h5``.

    Args:
        model: A built kshim model (functional, Sequential or a registered subclass).
        filepath: A path ending in ``.keras`` (or ``.h5``/``.hdf5`` for the legacy
            format), or a directory path with ``zipped=False``.
        overwrite: Whether an existing file may be replaced (``FileExistsError`` if not).
        zipped: ``False`` writes the archive's files into a directory.
        **kwargs: ``include_optimizer`` is accepted for Keras compatibility (kshim models
            have no optimizer state to save).
    """
    _check_model(model)
    kwargs.pop("include_optimizer", None)
    if kwargs:
        raise ValueError(f"save_model: unexpected keyword arguments {sorted(kwargs)}.")
    path = os.fspath(filepath)
    lower = path.lower()
    if not model.built:
        raise ValueError(
            f"Cannot save {type(model).__name__} '{model.name}' to {path!r}: it is not built, "
            "so it has no weights yet. Call it on data (or `build()` it) first."
        )
    if lower.endswith(_H5_EXTENSIONS):
        _save_legacy_h5(model, path, overwrite)
        return
    if lower.endswith(".keras"):
        if zipped is False:
            raise ValueError(
                "When using `zipped=False`, the `filepath` argument should not end in "
                f"`.keras`. Received: filepath={path}"
            )
        config = serialization_lib.serialize_keras_object(model)
        with atomic_write(path, overwrite) as tmp:
            archive.write_archive(tmp, config, model, zipped=True)
        return
    if zipped is False:
        if not overwrite and os.path.exists(path):
            raise FileExistsError(f"{path!r} already exists and overwrite=False.")
        config = serialization_lib.serialize_keras_object(model)
        archive.write_archive(path, config, model, zipped=False)
        return
    raise ValueError(
        f"Invalid filepath extension for saving: {path!r}. Use a `.keras` path (Keras 3's "
        "format), `.h5`/`.hdf5` (legacy), or `zipped=False` with a directory path."
    )


def _save_legacy_h5(model, path: str, overwrite: bool) -> None:
    h5py = h5_utils.require_h5py()
    config = legacy_h5.model_config_to_legacy(serialization_lib.serialize_keras_object(model))
    with atomic_write(path, overwrite) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs["backend"] = "torch"
            f.attrs["keras_version"] = legacy_h5.KERAS_FORMAT_VERSION
            f.attrs["model_config"] = json.dumps(config)
            legacy_h5.write_legacy_weights(f.create_group("model_weights"), model)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by ``save_model`` or by Keras 3 (``.keras``, ``.h5``).

    Args:
        filepath: A ``.keras`` archive, a directory saved with ``zipped=False``, or a
            legacy ``.h5``/``.hdf5`` model file.
        custom_objects: ``{name: class_or_function}`` for user classes that are not
            registered with ``kshim.saving.register_keras_serializable``.
        compile: Kept for Keras compatibility (kshim models have no training config).
        safe_mode: Refuse configs that carry code (a ``Lambda`` with a serialized Python
            lambda), the default. ``False`` loads such lambdas (their code then runs: only
            for trusted files); pickled objects are refused either way.

    Returns:
        The kshim model, in inference mode, with the file's weights.

    Raises:
        ValueError: The file's config or weights are invalid, refer to unknown classes,
            carry code, or do not match each other. The message names the file.
        OSError: The file is missing or cannot be read (truncated, corrupt).

    >>> import os, tempfile, torch, kshim
    >>> x = kshim.Input((4,))
    >>> model = kshim.Model(x, kshim.layers.Dense(2)(x))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> again = kshim.saving.load_model(path)
    >>> data = torch.ones(1, 4)
    >>> torch.equal(again(data), model(data))
    True
    """
    path = os.fspath(filepath)
    lower = path.lower()
    is_dir = os.path.isdir(path) and os.path.isfile(os.path.join(path, archive.CONFIG_NAME))
    if not is_dir and not lower.endswith(_KERAS_EXTENSIONS + _H5_EXTENSIONS):
        raise ValueError(
            f"Cannot load {path!r}: expected a `.keras` archive, a saved model directory, or "
            "a legacy `.h5`/`.hdf5` file."
        )
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}")
    if lower.endswith(_H5_EXTENSIONS):
        return _load_legacy_h5(path, custom_objects, compile, safe_mode)
    config, weights = archive.read_archive(path)
    archive.check_config_safety(config, path, safe_mode)
    if not compile:
        config.pop("compile_config", None)
    model = _rebuild(config, custom_objects, path, safe_mode)
    archive.load_weights_into(model, weights, path)
    return model


def _load_legacy_h5(path, custom_objects, compile, safe_mode):
    with h5_utils.open_for_reading(path, path) as f:
        if "model_config" not in f.attrs:
            raise ValueError(
                f"{path!r} holds no model config (it is a weights-only file?): load it with "
                "`model.load_weights(path)` into a model built in code."
            )
        config = legacy_h5.decode_json_attr(f.attrs["model_config"], path, "model_config")
        archive.check_config_safety(config, path, safe_mode)
        config = legacy_h5.model_config_from_legacy(config)
        model = _rebuild(config, custom_objects, path, safe_mode)
        if "model_weights" not in f:
            raise ValueError(f"{path!r} has a model config but no 'model_weights' group.")
        group = h5_utils.checked_child(f, "model_weights", path)
        legacy_h5.load_legacy_weights(model, group, path)
    return model


def _rebuild(config: dict, custom_objects, path: str, safe_mode: bool = True):
    from kshim.layers.layer import Layer

    try:
        model = serialization_lib.deserialize_keras_object(
            config, custom_objects=custom_objects or {}, safe_mode=safe_mode
        )
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, NotImplementedError) as e:
        raise ValueError(f"Cannot rebuild the model saved in {path!r}: {e}") from e
    if not isinstance(model, Layer):
        raise ValueError(
            f"{path!r} does not describe a kshim model: its config gave a {type(model).__name__}."
        )
    _build_nested(model, config, path)
    return model


def _zeros(shape, dtype):
    if isinstance(shape, dict):
        return {k: _zeros(v, dtype) for k, v in shape.items()}
    if (
        isinstance(shape, (list, tuple))
        and shape
        and all(isinstance(s, (list, tuple)) or s is None for s in shape)
        and any(isinstance(s, (list, tuple)) for s in shape)
    ):
        return [_zeros(s, dtype) for s in shape]
    return torch.zeros(tuple(1 if d is None else int(d) for d in shape), dtype=dtype)


def _build_nested(model, config: dict, path: str) -> None:
    """A subclassed model rebuilt from its config is built from ``build_config`` as
    Keras builds it: by one call on zeros of that shape, so sub-layers get their
    weights (kshim's base ``build`` does not call the model)."""
    from kshim.layers.layer import Layer

    if all(m.built for m in model.modules() if isinstance(m, Layer)):
        return
    shape = (config.get("build_config") or {}).get("input_shape")
    if shape is None:
        return  # the weight check reports what is missing
    was_training = model.training
    model.eval()
    errors = []
    try:
        for dtype in (torch.float32, torch.int64):
            try:
                with torch.no_grad():
                    model(_zeros(shape, dtype))
                return
            except (TypeError, ValueError, RuntimeError, IndexError) as e:
                errors.append(e)
    finally:
        model.train(was_training)
    raise ValueError(
        f"Cannot build the model saved in {path!r} from its build_config "
        f"(input_shape={shape}): {errors[0]}"
    )
