"""Regularizer names and the ``get``/``serialize``/``deserialize`` functions."""

from __future__ import annotations

import inspect

from kshim.regularizers.regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer
from kshim.saving import object_registration, serialization_lib

# Every name Keras 3 accepts, plus "l1_l2": Keras exports `keras.regularizers.l1_l2`
# but its lookup table only knows "l1l2", so `get("l1_l2")` fails there.
ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer,
    "regularizer": Regularizer,
    "L1": L1,
    "l1": L1,
    "L2": L2,
    "l2": L2,
    "L1L2": L1L2,
    "l1l2": L1L2,
    "l1_l2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def serialize(regularizer):
    """Returns the Keras 3 config dict of a regularizer (``None`` for ``None``).

    Args:
        regularizer: A regularizer instance.

    Example:

    >>> serialize(L2(0.5))
    {'module': 'keras.regularizers', 'class_name': 'L2', 'config': {'l2': 0.5}, 'registered_name': None}
    """
    return serialization_lib.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Returns the regularizer described by a config dict (or a name).

    Args:
        config: A dict in Keras 3 or legacy ``{"class_name", "config"}`` format, or a name.
        custom_objects: Optional dictionary of user regularizers.

    Example:

    >>> deserialize({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).get_config()
    {'l1': 0.1, 'l2': 0.2}
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Returns a regularizer from a name, config dict, instance, class or function.

    ``None`` gives ``None``; a name gives a new instance with default arguments.

    Args:
        identifier: The regularizer identifier.

    Raises:
        ValueError: ``identifier`` names no known regularizer.

    Example:

    >>> get("l2").get_config()
    {'l2': 0.01}
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except serialization_lib.UnknownObjectError:
            obj = None
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            obj = object_registration.get_registered_object(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret regularizer identifier: {identifier}")
