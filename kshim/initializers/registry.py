"""Initializer names and the ``get``/``serialize``/``deserialize`` functions."""

from __future__ import annotations

import inspect

import numpy as np
import torch

from kshim.initializers.constant_initializers import Constant, Identity, Ones, Zeros
from kshim.initializers.initializer import Initializer, standardize_shape, to_dtype
from kshim.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
from kshim.saving import serialization_lib

# Every name Keras 3 accepts for a built-in initializer: class names, their
# snake_case forms, and Keras' extra aliases.
ALL_OBJECTS_DICT = {
    "Initializer": Initializer,
    "initializer": Initializer,
    "Constant": Constant,
    "constant": Constant,
    "Identity": Identity,
    "identity": Identity,
    "IdentityInitializer": Identity,
    "Ones": Ones,
    "ones": Ones,
    "one": Ones,
    "Zeros": Zeros,
    "zeros": Zeros,
    "zero": Zeros,
    "GlorotNormal": GlorotNormal,
    "glorot_normal": GlorotNormal,
    "GlorotUniform": GlorotUniform,
    "glorot_uniform": GlorotUniform,
    "HeNormal": HeNormal,
    "he_normal": HeNormal,
    "HeUniform": HeUniform,
    "he_uniform": HeUniform,
    "LecunNormal": LecunNormal,
    "lecun_normal": LecunNormal,
    "LecunUniform": LecunUniform,
    "lecun_uniform": LecunUniform,
    "Orthogonal": Orthogonal,
    "orthogonal": Orthogonal,
    "OrthogonalInitializer": Orthogonal,
    "RandomNormal": RandomNormal,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "RandomUniform": RandomUniform,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "TruncatedNormal": TruncatedNormal,
    "truncated_normal": TruncatedNormal,
    "VarianceScaling": VarianceScaling,
    "variance_scaling": VarianceScaling,
}


def serialize(initializer) -> dict | None:
    """Returns the Keras 3 config dict of an initializer.

    Args:
        initializer: An initializer instance.

    Example:

    >>> serialize(Zeros())
    {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}
    """
    return serialization_lib.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Returns the initializer described by a config dict (or a name).

    Args:
        config: A dict in Keras 3 or legacy ``{"class_name", "config"}`` format, or a name.
        custom_objects: Optional dictionary of user initializers.

    Example:

    >>> deserialize({"class_name": "RandomUniform", "config": {"maxval": 2.0}}).maxval
    2.0
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Returns an initializer from a name, config dict, instance, class, function or tensor.

    ``None`` gives ``None``; a name or config gives a new instance; an instance or a
    function ``fn(shape, dtype=None)`` is returned as is; a class is instantiated; a
    tensor or numpy array gives an initializer returning (a copy of) it.

    Args:
        identifier: The initializer identifier.

    Raises:
        ValueError: ``identifier`` names no known initializer.

    Example:

    >>> get("glorot_uniform").get_config()
    {'seed': None, 'input_axes': None, 'output_axes': None}
    >>> get({"class_name": "Constant", "config": {"value": 3.0}})((2,))
    tensor([3., 3.])
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        config = identifier
        if isinstance(identifier, str):
            config = {"class_name": identifier, "config": {}}
        try:
            obj = deserialize(config)
        except serialization_lib.UnknownObjectError:
            obj = None
    elif isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        obj = _tensor_initializer(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


def _tensor_initializer(value):
    expected = tuple(value.shape)

    def initialize_fn(shape, dtype=None):
        if standardize_shape(shape) != expected:
            raise ValueError(
                f"Expected `shape` to be {expected} for direct tensor as initializer. "
                f"Received shape={shape}"
            )
        # A copy: the weight must not share memory with the tensor or array passed in.
        return torch.as_tensor(
            value, dtype=to_dtype(dtype), device=torch.get_default_device()
        ).clone()

    return initialize_fn
