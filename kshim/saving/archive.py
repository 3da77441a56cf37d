"""Keras 3 ``.keras`` archives: a zip of ``metadata.json``, ``config.json`` and
``model.weights.h5`` (or the same three files in a directory, ``zipped=False``).

``config.json`` is the model's ``serialize_keras_object`` config (``module``,
``class_name``, ``config``, ``registered_name``, ``build_config``); ``model.weights.h5``
uses the ``.weights.h5`` layout; ``metadata.json`` records the format version and date.

Reading never runs anything from the archive: members are read into memory with size
limits, the config is plain JSON whose names are only looked up among kshim's classes,
registered classes and ``custom_objects`` (see ``serialization_lib``), and configs that
carry code are refused before any object is made (``check_config_safety``).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

from kshim.saving import h5_utils

__all__ = [
    "check_config_safety",
    "load_weights_from_archive",
    "read_archive",
    "write_archive",
]

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
_MAX_CONFIG_BYTES = 256 << 20
_MAX_RATIO = 100  # a member may expand at most 100x (a stored member: 1x)
_RATIO_FLOOR = 1 << 24


def metadata_json() -> str:
    from kshim import __version__ as kshim_version
    from kshim.saving.legacy_h5 import KERAS_FORMAT_VERSION

    return json.dumps(
        {
            "keras_version": KERAS_FORMAT_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "kshim_version": kshim_version,
        }
    )


def weights_bytes(model) -> bytes:
    from kshim.saving.keras_h5 import write_to_h5

    h5py = h5_utils.require_h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_to_h5(f, model)
    return buf.getvalue()


def write_archive(target: str, config: dict, model, zipped: bool = True) -> None:
    """Writes the three members to the zip file (or directory) ``target``."""
    config_json = json.dumps(config)
    weights = weights_bytes(model)
    if zipped:
        with zipfile.ZipFile(target, "w") as zf:  # stored, as Keras writes them
            zf.writestr(METADATA_NAME, metadata_json())
            zf.writestr(CONFIG_NAME, config_json)
            zf.writestr(WEIGHTS_NAME, weights)
        return
    os.makedirs(target, exist_ok=True)
    for name, data in (
        (METADATA_NAME, metadata_json().encode()),
        (CONFIG_NAME, config_json.encode()),
        (WEIGHTS_NAME, weights),
    ):
        with open(os.path.join(target, name), "wb") as f:
            f.write(data)


def _read_member(zf: zipfile.ZipFile, name: str, path: str, limit: int | None = None) -> bytes:
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(f"{path!r} is not a Keras archive: it has no '{name}'.") from None
    if limit is not None and info.file_size > limit:
        raise ValueError(f"{path!r}: '{name}' declares {info.file_size} bytes, over {limit}.")
    if info.file_size > _RATIO_FLOOR and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
        raise ValueError(
            f"{path!r}: '{name}' declares {info.file_size} bytes but stores "
            f"{info.compress_size}; refusing a potential decompression bomb."
        )
    try:
        with zf.open(name) as f:
            data = f.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as e:
        raise OSError(f"Cannot read '{name}' from {path!r}: {e}") from e
    if len(data) != info.file_size:
        raise OSError(f"Cannot read '{name}' from {path!r}: its size does not match the header.")
    return data


def read_archive(path: str) -> tuple[dict, bytes]:
    """``(config, weights file bytes)`` of a ``.keras`` zip or a saved directory."""
    if os.path.isdir(path):
        members = {}
        for name in (CONFIG_NAME, WEIGHTS_NAME):
            member = os.path.join(path, name)
            if not os.path.isfile(member):
                raise ValueError(f"{path!r} is not a saved Keras model directory: no '{name}'.")
            with open(member, "rb") as f:
                members[name] = f.read()
        raw_config, weights = members[CONFIG_NAME], members[WEIGHTS_NAME]
    else:
        try:
            zf = zipfile.ZipFile(path, "r")
        except FileNotFoundError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            raise OSError(f"Cannot read {path!r} as a .keras archive (a zip file): {e}") from e
        with zf:
            raw_config = _read_member(zf, CONFIG_NAME, path, _MAX_CONFIG_BYTES)
            weights = _read_member(zf, WEIGHTS_NAME, path)
    try:
        config = json.loads(raw_config.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ValueError(f"{path!r}: config.json is not valid JSON ({e}).") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path!r}: config.json does not hold a model config.")
    return config, weights


def load_weights_into(model, weights: bytes, path: str, skip_mismatch: bool = False) -> None:
    from kshim.saving.keras_h5 import load_from_h5

    with h5_utils.open_for_reading(io.BytesIO(weights), f"{path}/{WEIGHTS_NAME}") as f:
        load_from_h5(model, f, path, skip_mismatch)


def load_weights_from_archive(model, path: str, skip_mismatch: bool = False) -> None:
    """Loads only the weights of a ``.keras`` archive into an existing model."""
    _, weights = read_archive(path)
    load_weights_into(model, weights, path, skip_mismatch)


# ---------------------------------------------------------------------- safety


def _walk_dicts(x, trail=()):
    if isinstance(x, dict):
        yield x, trail
        for k, v in x.items():
            yield from _walk_dicts(v, (*trail, str(k)))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _walk_dicts(v, (*trail, str(i)))


def _code_in(d: dict) -> str | None:
    cls = d.get("class_name")
    if cls == "__lambda__":
        return "a Python lambda (its bytecode)"
    cfg = d.get("config")
    if cls == "Lambda" and isinstance(cfg, dict):
        for key in ("function", "output_shape", "mask"):
            value = cfg.get(key)
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                return f"a Python lambda (its bytecode) in its `{key}`"
            tf_keras_code = isinstance(value, list) and bool(value) and isinstance(value[0], str)
            if cfg.get(f"{key}_type") == "lambda" or tf_keras_code:
                return f"a Python lambda (tf.keras bytecode) in its `{key}`"
    if cls == "TorchModuleWrapper" and isinstance(cfg, dict) and isinstance(cfg.get("module"), str):
        return "a pickled torch module"
    return None


def check_config_safety(config, path: str, safe_mode: bool = True) -> None:
    """Refuses configs that carry code, before any object is built from them.

    With ``safe_mode=True`` (the default) such a config raises a ``ValueError`` that says
    so. With ``safe_mode=False`` a Python lambda (marshalled bytecode, Keras' format) may
    load, as in Keras; a pickled object never does, whatever ``safe_mode`` says.
    """
    for d, trail in _walk_dicts(config):
        what = _code_in(d)
        if what is None:
            continue
        where = "/".join(trail) or "<root>"
        cfg = d.get("config")
        name = d.get("name") or (cfg.get("name") if isinstance(cfg, dict) else None)
        layer = f" (layer '{name}')" if name else ""
        pickled = "pickled" in what
        if safe_mode or pickled:
            raise ValueError(
                f"Refusing to load {path!r}: the config at '{where}'{layer} carries code, "
                f"{what}. Loading it would run that code, which is disallowed with "
                "safe_mode=True (the default)."
                + (
                    " kshim never unpickles, whatever safe_mode says."
                    if pickled
                    else " If you trust the file, pass safe_mode=False."
                )
            )
