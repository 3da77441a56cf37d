"""Global Keras settings: float type, epsilon, image data format, and dtype names."""

from __future__ import annotations

import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"

# Keras dtype names and their torch counterparts.
_DTYPES: dict[str, torch.dtype] = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}
_NAMES: dict[torch.dtype, str] = {v: k for k, v in _DTYPES.items()}
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "int": "int64"}


def floatx() -> str:
    """Returns the default float type as a string, e.g. ``"float32"``."""
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    value = standardize_dtype(value)
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(
            f"Unknown `floatx` value: {value}. Expected one of "
            "'float16', 'bfloat16', 'float32', 'float64'."
        )
    _FLOATX = value


def epsilon() -> float:
    """Returns the fuzz factor used in numeric expressions (1e-7 by default)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Returns the default image data format, ``"channels_last"`` unless changed."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format: str | None) -> str:
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def standardize_dtype(dtype) -> str:
    """Returns the Keras name of ``dtype`` (a string, torch dtype or numpy dtype).

    ``None`` means ``floatx()``.
    """
    if dtype is None:
        return floatx()
    if isinstance(dtype, torch.dtype):
        if dtype in _NAMES:
            return _NAMES[dtype]
        raise ValueError(f"Invalid dtype: {dtype}")
    name = getattr(dtype, "name", None)  # numpy dtypes and Keras DTypePolicy
    if not isinstance(dtype, str) and isinstance(name, str):
        dtype = name
    elif not isinstance(dtype, str) and hasattr(dtype, "__name__"):
        dtype = dtype.__name__  # numpy scalar types such as np.float32
    if isinstance(dtype, str):
        dtype = _ALIASES.get(dtype, dtype)
        if dtype.startswith("torch."):
            dtype = dtype[len("torch.") :]
        if dtype in _DTYPES:
            return dtype
    raise ValueError(f"Invalid dtype: {dtype}")


def to_torch_dtype(dtype) -> torch.dtype:
    """Returns the torch dtype for a Keras dtype name (or torch / numpy dtype)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    return _DTYPES[standardize_dtype(dtype)]


def is_float_dtype(dtype) -> bool:
    return standardize_dtype(dtype) in ("float16", "bfloat16", "float32", "float64")
