"""Constraint names and the ``get``/``serialize``/``deserialize`` functions."""

from __future__ import annotations

import inspect

from kshim.constraints.constraints import Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm
from kshim.saving import object_registration, serialization_lib

# Every name Keras 3 accepts for a built-in constraint.
ALL_OBJECTS_DICT = {
    "Constraint": Constraint,
    "constraint": Constraint,
    "MaxNorm": MaxNorm,
    "max_norm": MaxNorm,
    "MinMaxNorm": MinMaxNorm,
    "min_max_norm": MinMaxNorm,
    "NonNeg": NonNeg,
    "non_neg": NonNeg,
    "UnitNorm": UnitNorm,
    "unit_norm": UnitNorm,
}


def serialize(constraint):
    """Returns the Keras 3 config dict of a constraint (``None`` for ``None``).

    Args:
        constraint: A constraint instance.

    Example:

    >>> serialize(NonNeg())
    {'module': 'keras.constraints', 'class_name': 'NonNeg', 'config': {}, 'registered_name': None}
    """
    return serialization_lib.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Returns the constraint described by a config dict (or a name).

    Args:
        config: A dict in Keras 3 or legacy ``{"class_name", "config"}`` format, or a name.
        custom_objects: Optional dictionary of user constraints.

    Example:

    >>> deserialize({"class_name": "MaxNorm", "config": {"max_value": 3}}).max_value
    3
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Returns a constraint from a name, config dict, instance, class or function.

    ``None`` gives ``None``; a name gives a new instance with default arguments.

    Args:
        identifier: The constraint identifier.

    Raises:
        ValueError: ``identifier`` names no known constraint.

    Example:

    >>> get("max_norm").get_config()
    {'max_value': 2, 'axis': 0}
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
    raise ValueError(f"Could not interpret constraint identifier: {identifier}")
