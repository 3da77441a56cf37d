"""``kshim.config``: global switches, as ``keras.config``."""

from kshim.backend.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from kshim.backend.modes import functions_run_eagerly, run_functions_eagerly
from kshim.dtype_policies import dtype_policy, set_dtype_policy
from kshim.saving.serialization_lib import enable_unsafe_deserialization

__all__ = [
    "dtype_policy",
    "enable_unsafe_deserialization",
    "epsilon",
    "floatx",
    "functions_run_eagerly",
    "image_data_format",
    "run_functions_eagerly",
    "set_dtype_policy",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
]
