"""Activation names and the ``get``/``serialize``/``deserialize`` functions."""

from __future__ import annotations

import types

from kshim.activations import activations as _fns
from kshim.saving import object_registration, serialization_lib

_ALL_FUNCTIONS = (
    _fns.relu,
    _fns.leaky_relu,
    _fns.relu6,
    _fns.softmax,
    _fns.celu,
    _fns.elu,
    _fns.selu,
    _fns.softplus,
    _fns.softsign,
    _fns.squareplus,
    _fns.soft_shrink,
    _fns.sparse_plus,
    _fns.silu,
    _fns.gelu,
    _fns.glu,
    _fns.tanh,
    _fns.tanh_shrink,
    _fns.threshold,
    _fns.sigmoid,
    _fns.sparse_sigmoid,
    _fns.exponential,
    _fns.hard_sigmoid,
    _fns.hard_silu,
    _fns.hard_tanh,
    _fns.hard_shrink,
    _fns.linear,
    _fns.mish,
    _fns.log_softmax,
    _fns.log_sigmoid,
    _fns.sparsemax,
)

# Every name Keras 3 accepts for a built-in activation.
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in _ALL_FUNCTIONS}
ALL_OBJECTS_DICT["swish"] = _fns.silu
ALL_OBJECTS_DICT["hard_swish"] = _fns.hard_silu


def _is_builtin(fn) -> bool:
    return ALL_OBJECTS_DICT.get(getattr(fn, "__name__", None)) is fn


def serialize(activation):
    """Returns the config of an activation: its name for a built-in function.

    A registered custom function gives Keras' function dict with its registered name;
    an activation object (e.g. a layer) gives its full config dict.

    Args:
        activation: An activation function or object.

    Raises:
        ValueError: ``activation`` cannot be serialized (e.g. it is a string).

    Example:

    >>> from kshim.activations import swish
    >>> serialize(swish)
    'silu'
    """
    fn_config = serialization_lib.serialize_keras_object(activation)
    if not isinstance(fn_config, dict) or "config" not in fn_config:
        raise ValueError(
            f"Unknown activation function '{activation}' cannot be serialized due to "
            "invalid function name. Make sure to use an activation name that matches the "
            "references defined in activations.py or use "
            "`@kshim.saving.register_keras_serializable()` to register any custom "
            f"activations. config={fn_config}"
        )
    if not isinstance(activation, types.FunctionType):
        return fn_config
    if _is_builtin(activation):
        return activation.__name__
    fn_config["config"] = object_registration.get_registered_name(activation)
    return fn_config


def deserialize(config, custom_objects=None):
    """Returns the activation function (or object) described by a name or config.

    Args:
        config: A name such as ``"relu"`` or a config dict.
        custom_objects: Optional dictionary of user activations.

    Example:

    >>> deserialize("swish").__name__
    'silu'
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Returns an activation function from a name, config dict or callable.

    ``None`` gives ``linear``. Names are the built-in ones plus registered or
    ``custom_object_scope`` names.

    Args:
        identifier: The activation identifier.

    Raises:
        ValueError: ``identifier`` names no known activation.

    Example:

    >>> get("relu").__name__, get(None).__name__
    ('relu', 'linear')
    """
    if identifier is None:
        return _fns.linear
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
        return obj
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")
