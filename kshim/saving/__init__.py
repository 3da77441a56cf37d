"""Configs and files in Keras 3's formats: serialize/deserialize, name registration,
``save_model``/``load_model`` (``.keras``, legacy ``.h5``) and
``save_weights``/``load_weights`` (``.weights.h5``, ``.h5``, ``.safetensors``, ``.pt``)."""

from kshim.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kshim.saving.saving_api import load_model, save_model
from kshim.saving.serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)
from kshim.saving.weights_io import load_weights, save_weights

__all__ = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]
