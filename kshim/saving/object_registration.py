"""Name tables for serialization: Keras public names, user registrations, custom scopes.

Three tables decide how an object is named in a config and found again when loading:

* Keras public names (``keras_export``): a kshim class or function that stands for a
  Keras 3 one records the public Keras path (``"keras.initializers.GlorotUniform"``), so
  its config carries Keras' ``module`` and ``class_name`` and loads in Keras and back.
* User registrations (``register_keras_serializable``): ``"Package>Name"`` keys.
* Custom object scopes (``custom_object_scope``): names valid inside a ``with`` block,
  per thread.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import Any

# Keras public path -> object, for every path an object was exported under.
_PUBLIC_NAME_TO_OBJECT: dict[str, Any] = {}
# Object -> canonical (first) public path, which is what serialization writes.
_OBJECT_TO_PUBLIC_NAME: dict[Any, str] = {}

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}

# Custom object scopes are per thread, as in Keras.
_SCOPE = threading.local()


def keras_export(*names: str) -> Callable:
    """Records the Keras 3 public path(s) of a kshim class or function.

    The first path is canonical: serialization writes it, split into ``module`` and
    ``class_name``. Every path can be looked up when loading a config.

    Args:
        *names: Public Keras paths, e.g. ``"keras.initializers.GlorotUniform"``.

    Returns:
        A decorator that records the names and returns its argument unchanged.
    """
    if not names or not all(isinstance(n, str) and n.startswith("keras") for n in names):
        raise ValueError(
            f"`keras_export` expects Keras public paths such as 'keras.layers.Dense'. "
            f"Received: names={names}"
        )

    def decorator(symbol):
        _OBJECT_TO_PUBLIC_NAME[symbol] = names[0]
        for name in names:
            _PUBLIC_NAME_TO_OBJECT[name] = symbol
        return symbol

    return decorator


def get_public_name(symbol) -> str | None:
    """Returns the canonical Keras public path of ``symbol``, or ``None``."""
    try:
        return _OBJECT_TO_PUBLIC_NAME.get(symbol)
    except TypeError:  # unhashable
        return None


def get_public_object(name: str):
    """Returns the object exported under the Keras public path ``name``, or ``None``."""
    return _PUBLIC_NAME_TO_OBJECT.get(name)


def _scope_objects() -> dict[str, Any]:
    return getattr(_SCOPE, "objects", None) or {}


class CustomObjectScope:
    """Makes custom classes and functions visible to deserialization in a ``with`` block.

    Scopes do not stack: the innermost scope's dictionary replaces the outer one for
    the duration of the block, as in Keras.

    Args:
        custom_objects: Dictionary mapping names to classes or functions.

    Example:

    >>> from kshim.saving import custom_object_scope, deserialize_keras_object
    >>> def my_act(x):
    ...     return x
    >>> with custom_object_scope({"my_act": my_act}):
    ...     deserialize_keras_object("my_act") is my_act
    True
    """

    def __init__(self, custom_objects: dict[str, Any] | None):
        self.custom_objects = dict(custom_objects or {})
        self.backup: dict[str, Any] | None = None

    def __enter__(self):
        self.backup = dict(_scope_objects())
        _SCOPE.objects = dict(self.custom_objects)
        return self

    def __exit__(self, *exc_info):
        _SCOPE.objects = self.backup


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict[str, Any]:
    """Returns the live global dictionary of registered custom objects.

    Objects made visible by ``custom_object_scope`` are not in it.
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Registers a class or function for serialization under ``"package>name"``.

    Classes must implement ``get_config``.

    Args:
        package: The package part of the registered name.
        name: The name part; defaults to the object's ``__name__``.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Example:

    >>> from kshim.saving import get_registered_name, register_keras_serializable
    >>> @register_keras_serializable("my_package")
    ... def scaled_tanh(x):
    ...     return 2 * x.tanh()
    >>> get_registered_name(scaled_tanh)
    'my_package>scaled_tanh'
    """

    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj) -> str:
    """Returns the name ``obj`` was registered under, else its ``__name__``.

    Args:
        obj: A class or function.
    """
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(
    name: str,
    custom_objects: dict[str, Any] | None = None,
    module_objects: dict[str, Any] | None = None,
):
    """Returns the object known under ``name``, or ``None``.

    Looks in the active custom object scope, then the global registrations, then
    ``custom_objects``, then ``module_objects`` (Keras' order).

    Args:
        name: The name to look up.
        custom_objects: Optional dictionary of user-supplied objects.
        module_objects: Optional dictionary of a module's built-in objects.
    """
    scope = _scope_objects()
    if name in scope:
        return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None
