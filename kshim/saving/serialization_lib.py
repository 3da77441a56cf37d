"""Object configs in Keras 3's format: ``serialize_keras_object`` and its inverse.

A serialized object is a dict such as::

    {"module": "keras.initializers", "class_name": "GlorotUniform",
     "config": {"seed": None, "input_axes": None, "output_axes": None},
     "registered_name": None}

kshim objects that stand for Keras ones write Keras' public ``module`` and
``class_name`` (see ``object_registration.keras_export``), so configs move between
Keras 3 and kshim in both directions.

Loading never imports a module named by a config: names are only looked up in tables of
objects that were imported, registered or passed in. Configs that carry code (a Python
``lambda`` stored as bytecode) are refused in safe mode, the default; only
``safe_mode=False`` (or ``kshim.config.enable_unsafe_deserialization()``) loads them.
Nothing is ever unpickled.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import threading
import types
from typing import Any

import numpy as np
import torch

from kshim.backend import config as backend_config
from kshim.saving import object_registration

PLAIN_TYPES = (str, int, float, bool)

# Keras modules whose built-in functions are serialized by bare name (e.g. "relu").
BUILTIN_MODULES = (
    "activations",
    "constraints",
    "initializers",
    "losses",
    "metrics",
    "optimizers",
    "regularizers",
)

_KERAS_MODULE = re.compile(r"^keras(\.[A-Za-z_][A-Za-z0-9_]*)*$")


_SAFE_MODE = threading.local()
_UNSAFE_GLOBALLY = {"enabled": False}


class SafeModeScope:
    """Within this scope, deserialization runs with the given ``safe_mode``."""

    def __init__(self, safe_mode: bool = True):
        self.safe_mode = bool(safe_mode)

    def __enter__(self):
        self._previous = getattr(_SAFE_MODE, "value", None)
        _SAFE_MODE.value = self.safe_mode
        return self

    def __exit__(self, *exc):
        _SAFE_MODE.value = self._previous


def in_safe_mode() -> bool:
    """Whether configs that carry code are refused here (True unless turned off)."""
    if _UNSAFE_GLOBALLY["enabled"]:
        return False
    value = getattr(_SAFE_MODE, "value", None)
    return True if value is None else value


def enable_unsafe_deserialization() -> None:
    """Lets deserialization load Python lambdas stored as bytecode (Keras' switch of the
    same name). Only for files you trust: loading them runs their code."""
    _UNSAFE_GLOBALLY["enabled"] = True


class UnknownObjectError(TypeError):
    """A config names a class or function that no lookup table holds.

    A ``TypeError``, as in Keras; the ``get`` functions of kshim's modules turn it
    into their Keras ``ValueError`` ("Could not interpret ... identifier").
    """


def serialize_keras_object(obj: Any) -> Any:
    """Returns a JSON-friendly config of ``obj`` in Keras 3's format.

    ``None`` and plain Python values pass through, lists, tuples and dicts are
    serialized element-wise, tensors and numpy arrays become ``__tensor__`` and
    ``__numpy__`` configs, and objects with ``get_config`` become
    ``{"module", "class_name", "config", "registered_name"}`` dicts. A function
    becomes ``{"module": "builtins", "class_name": "function", "config": <name>, ...}``
    exactly as Keras writes it.

    Args:
        obj: The object to serialize.

    Returns:
        The config: a dict, list, tuple or plain value.

    Example:

    >>> from kshim.initializers import GlorotUniform
    >>> serialize_keras_object(GlorotUniform(seed=1))  # doctest: +NORMALIZE_WHITESPACE
    {'module': 'keras.initializers', 'class_name': 'GlorotUniform',
     'config': {'seed': 1, 'input_axes': None, 'output_axes': None},
     'registered_name': None}
    """
    if obj is None or isinstance(obj, PLAIN_TYPES):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(x) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {
            "class_name": "__slice__",
            "config": {
                "start": serialize_keras_object(obj.start),
                "stop": serialize_keras_object(obj.stop),
                "step": serialize_keras_object(obj.step),
            },
        }
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, torch.Tensor):
        return {
            "class_name": "__tensor__",
            "config": {
                "value": obj.detach().cpu().tolist(),
                "dtype": backend_config.standardize_dtype(obj.dtype),
            },
        }
    if isinstance(obj, torch.dtype):
        return backend_config.standardize_dtype(obj)
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {
            "class_name": "__numpy__",
            "config": {
                "value": obj.tolist(),
                "dtype": backend_config.standardize_dtype(obj.dtype),
            },
        }
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.item()
    if isinstance(obj, np.dtype):
        return backend_config.standardize_dtype(obj)
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        # Keras would write the lambda's bytecode; kshim never loads code from a
        # config, so it does not write any either.
        raise ValueError(
            "Cannot serialize a `lambda`: its code would have to be stored in the config, "
            "and kshim never loads code from a config. Use a named function and register "
            f"it with `@kshim.saving.register_keras_serializable()`. Received: {obj}"
        )

    inner_config = _get_class_or_fn_config(obj)
    cls = type(obj)
    public_name = object_registration.get_public_name(cls)
    if public_name is not None:
        module, class_name = public_name.rsplit(".", 1)
        config = {
            "module": module,
            "class_name": class_name,
            "config": inner_config,
            "registered_name": None,
        }
    else:
        module = cls.__module__
        config = {
            # Objects defined in a script cannot be imported by module name.
            "module": None if module == "__main__" else module,
            "class_name": cls.__name__,
            "config": inner_config,
            "registered_name": object_registration.get_registered_name(cls),
        }
    _add_build_and_compile_config(obj, config)
    return config


def serialize_dict(obj: dict) -> dict:
    """Serializes every value of a dict (keys are kept)."""
    return {key: serialize_keras_object(value) for key, value in obj.items()}


def _get_class_or_fn_config(obj):
    if isinstance(obj, types.FunctionType):
        return object_registration.get_registered_name(obj)
    if hasattr(obj, "get_config"):
        config = obj.get_config()
        if not isinstance(config, dict):
            raise TypeError(
                f"The `get_config()` method of {obj} should return a dict. It returned: {config}"
            )
        return serialize_dict(config)
    if hasattr(obj, "__name__"):
        return object_registration.get_registered_name(obj)
    raise TypeError(
        f"Cannot serialize object {obj} of type {type(obj)}. To be serializable, "
        "a class must implement the `get_config()` method."
    )


def _add_build_and_compile_config(obj, config: dict) -> None:
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            config["build_config"] = serialize_dict(build_config)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            config["compile_config"] = serialize_dict(compile_config)


def deserialize_keras_object(
    config: Any,
    custom_objects: dict[str, Any] | None = None,
    safe_mode: bool = True,
    module_objects: dict[str, Any] | None = None,
) -> Any:
    """Rebuilds an object from a config written by ``serialize_keras_object`` or Keras.

    Accepts ``None``, plain values, names (``"relu"``, ``"glorot_uniform"``), lists,
    Keras 3 dicts (``module``/``class_name``/``config``/``registered_name``) and
    legacy ``{"class_name": ..., "config": ...}`` dicts. A name is looked up in the
    active ``custom_object_scope``, the registered objects, ``custom_objects``,
    ``module_objects`` and finally the Keras public names of kshim objects. A name
    that resolves to a class is instantiated with ``from_config``.

    The argument order is Keras': ``(config, custom_objects, safe_mode)``, with
    ``module_objects`` last.

    Args:
        config: The config to load.
        custom_objects: Optional dictionary of user classes and functions.
        safe_mode: Refuse configs that carry code (a Python ``lambda``), the default.
            ``False`` loads them, which runs their code: only for trusted files.
        module_objects: Optional dictionary of a module's built-in names, such as
            ``{"GlorotUniform": GlorotUniform, "glorot_uniform": GlorotUniform}``.

    Returns:
        The object described by ``config``.

    Raises:
        TypeError: A named class or function cannot be found (``UnknownObjectError``)
            or the config is malformed.
        ValueError: The config carries code (a serialized ``lambda``).

    Example:

    >>> import kshim.initializers
    >>> init = deserialize_keras_object(
    ...     {"module": "keras.initializers", "class_name": "RandomNormal",
    ...      "config": {"mean": 1.0, "stddev": 0.5, "seed": 3}, "registered_name": None})
    >>> type(init).__name__, init.mean, init.stddev, init.seed
    ('RandomNormal', 1.0, 0.5, 3)
    """
    if config is None:
        return None
    if not safe_mode or getattr(_SAFE_MODE, "value", None) is not None:
        with SafeModeScope(safe_mode and in_safe_mode()):
            return _deserialize(config, custom_objects, module_objects)
    return _deserialize(config, custom_objects, module_objects)


def _deserialize(config, custom_objects, module_objects):
    custom_objects = custom_objects or {}

    if isinstance(config, str):
        found = _lookup(config, custom_objects, module_objects)
        if found is None:
            return config
        if inspect.isclass(found) and module_objects and config in module_objects:
            # A built-in class given by name, e.g. "glorot_uniform": an instance.
            return _instantiate(found, {}, config, custom_objects)
        return found
    if isinstance(config, PLAIN_TYPES):
        return config
    if isinstance(config, (list, tuple)):
        return [
            deserialize_keras_object(x, custom_objects, module_objects=module_objects)
            for x in config
        ]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {config}")

    if "class_name" not in config or "config" not in config:
        if module_objects is not None:
            raise ValueError(f"Unknown `config` as a `dict`, config={config}")
        return {
            key: deserialize_keras_object(value, custom_objects=custom_objects)
            for key, value in config.items()
        }

    class_name = config["class_name"]
    inner_config = config["config"] if config["config"] is not None else {}

    special = _deserialize_special(class_name, inner_config, custom_objects)
    if special is not _NOT_SPECIAL:
        return special

    module = config.get("module")
    registered_name = config.get("registered_name") or class_name

    if class_name == "function":
        if not isinstance(inner_config, str):
            raise TypeError(
                "Expected 'config' to be a non-null str for a function class_name, "
                f"instead got {type(inner_config)}. Full config: {config}"
            )
        fn = _lookup(inner_config, custom_objects, module_objects)
        if fn is None and module is not None:
            fn = _lookup_public(module, inner_config, builtin_function=module == "builtins")
        if fn is None:
            raise UnknownObjectError(_not_found_message("function", inner_config, config))
        return fn

    if not isinstance(inner_config, dict):
        raise TypeError(
            f"Expected 'config' to be a dict for {class_name}, instead got "
            f"{type(inner_config)}. Full config: {config}"
        )
    cls = None
    if registered_name != class_name:
        cls = _lookup(registered_name, custom_objects, None)
    if cls is None:
        cls = _lookup(class_name, custom_objects, module_objects)
    if cls is None and module:
        cls = _lookup_public(module, class_name)
    if cls is None:
        raise UnknownObjectError(_not_found_message("class", class_name, config))
    if not inspect.isclass(cls):
        return cls  # a function registered under a class name
    return _instantiate(cls, inner_config, config, custom_objects)


_NOT_SPECIAL = object()


def _deserialize_special(class_name, inner_config, custom_objects):
    if class_name == "__tensor__":
        dtype = backend_config.to_torch_dtype(inner_config["dtype"])
        return torch.tensor(inner_config["value"], dtype=dtype)
    if class_name == "__numpy__":
        return np.array(inner_config["value"], dtype=inner_config["dtype"])
    if class_name == "__bytes__":
        return inner_config["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__slice__":
        return slice(
            *(
                deserialize_keras_object(inner_config[k], custom_objects=custom_objects)
                for k in ("start", "stop", "step")
            )
        )
    if class_name == "__lambda__":
        if in_safe_mode():
            raise ValueError(
                "Requested the deserialization of a Python lambda. Loading it would run code "
                "stored in the config, so it is refused with safe_mode=True (the default). "
                "If you trust the source, pass `safe_mode=False`; better, replace the lambda "
                "with a named function registered with "
                "`@kshim.saving.register_keras_serializable()`."
            )
        from kshim.layers.core.lambda_layer import _load_lambda

        if isinstance(inner_config, dict) and "value" in inner_config:
            inner_config = {"code": inner_config["value"]}  # (code, defaults, closure)
        return _load_lambda({"class_name": "__lambda__", "config": inner_config})
    if class_name in ("__keras_tensor__", "__typespec__"):
        raise TypeError(f"Deserializing a `{class_name}` config is not supported yet.")
    return _NOT_SPECIAL


def _lookup(name, custom_objects, module_objects):
    if not isinstance(name, str):
        return None
    return object_registration.get_registered_object(
        name, custom_objects=custom_objects, module_objects=module_objects
    )


def _lookup_public(module: str, name: str, builtin_function: bool = False):
    """Finds a kshim object by its Keras public path (``module.name``)."""
    if builtin_function:
        for mod in BUILTIN_MODULES:
            _import_kshim_counterpart(f"keras.{mod}")
            obj = object_registration.get_public_object(f"keras.{mod}.{name}")
            if obj is not None:
                return obj
        # Keras <= 3.6 saved registered functions by bare name: match "Package>name".
        if ">" not in name:
            suffix = f">{name}"
            registered = {
                **object_registration.get_custom_objects(),
                **object_registration._scope_objects(),
            }
            for key, obj in registered.items():
                if key.endswith(suffix):
                    return obj
        return None
    if not _KERAS_MODULE.match(module):
        return None
    _import_kshim_counterpart(module)
    return object_registration.get_public_object(f"{module}.{name}")


def _import_kshim_counterpart(module: str) -> None:
    """Imports kshim's package for a Keras module (``keras.layers`` -> ``kshim.layers``).

    Only kshim's own packages are imported, so their public names are registered;
    nothing named by the config outside ``kshim`` is imported.
    """
    parts = module.split(".")
    if len(parts) < 2:
        return
    target = f"kshim.{parts[1]}"
    try:
        if importlib.util.find_spec(target) is None:
            return
    except ModuleNotFoundError:
        return
    importlib.import_module(target)


def _instantiate(cls, inner_config, full_config, custom_objects):
    if not hasattr(cls, "from_config"):
        raise TypeError(
            f"Unable to reconstruct an instance of '{cls.__name__}' because the class is "
            f"missing a `from_config()` method. Full object config: {full_config}"
        )
    with object_registration.CustomObjectScope(
        {**object_registration._scope_objects(), **custom_objects}
    ):
        try:
            if "safe_mode" in inspect.signature(cls.from_config).parameters:
                instance = cls.from_config(inner_config, safe_mode=in_safe_mode())
            else:
                instance = cls.from_config(inner_config)
        except TypeError as e:
            raise TypeError(
                f"{cls} could not be deserialized properly. Please ensure that components "
                "that are Python object instances (layers, models, etc.) returned by "
                "`get_config()` are explicitly deserialized in the model's `from_config()` "
                f"method.\n\nconfig={full_config}.\n\nException encountered: {e}"
            ) from e
        if isinstance(full_config, dict):
            build_config = full_config.get("build_config")
            if build_config and not getattr(instance, "built", True):
                instance.build_from_config(build_config)
            compile_config = full_config.get("compile_config")
            if compile_config and hasattr(instance, "compile_from_config"):
                instance.compile_from_config(compile_config)
    return instance


def _not_found_message(kind: str, name: str, config) -> str:
    return (
        f"Could not locate {kind} '{name}'. Make sure custom classes and functions are "
        "decorated with `@kshim.saving.register_keras_serializable()` (or passed in "
        "`custom_objects`). If they are already decorated, make sure they are all imported "
        f"so that the decorator is run before trying to load them. Full object config: {config}"
    )
