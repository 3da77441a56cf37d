"""Deterministic initializers: Zeros, Ones, Constant and Identity."""

from __future__ import annotations

import torch

from kshim.initializers.initializer import Initializer, standardize_shape, to_dtype
from kshim.saving import serialization_lib
from kshim.saving.object_registration import keras_export


@keras_export("keras.initializers.Zeros", "keras.initializers.zeros")
class Zeros(Initializer):
    """Initializer that fills tensors with 0.

    Example:

    >>> Zeros()((2, 2))
    tensor([[0., 0.],
            [0., 0.]])
    """

    def __call__(self, shape, dtype=None):
        return torch.zeros(
            standardize_shape(shape), dtype=to_dtype(dtype), device=torch.get_default_device()
        )


@keras_export("keras.initializers.Ones", "keras.initializers.ones")
class Ones(Initializer):
    """Initializer that fills tensors with 1.

    Example:

    >>> Ones()((3,), dtype="int32")
    tensor([1, 1, 1], dtype=torch.int32)
    """

    def __call__(self, shape, dtype=None):
        return torch.ones(
            standardize_shape(shape), dtype=to_dtype(dtype), device=torch.get_default_device()
        )


@keras_export("keras.initializers.Constant", "keras.initializers.constant")
class Constant(Initializer):
    """Initializer that fills tensors with a constant value.

    Args:
        value: A Python scalar (or anything that broadcasts to the requested shape),
            cast to the requested dtype.

    Example:

    >>> Constant(0.5)((2, 3))
    tensor([[0.5000, 0.5000, 0.5000],
            [0.5000, 0.5000, 0.5000]])
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        dtype = to_dtype(dtype)
        device = torch.get_default_device()
        if isinstance(self.value, (bool, int, float)):
            return torch.full(shape, self.value, dtype=dtype, device=device)
        value = torch.as_tensor(self.value, dtype=dtype, device=device)
        return torch.broadcast_to(value, shape).clone()

    def get_config(self):
        return {"value": serialization_lib.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        # A missing value means the default (Keras raises KeyError, so that
        # `keras.initializers.get("constant")` fails there).
        return cls(serialization_lib.deserialize_keras_object(config.get("value", 0.0)))


@keras_export(
    "keras.initializers.Identity",
    "keras.initializers.identity",
    "keras.initializers.IdentityInitializer",
)
class Identity(Initializer):
    """Initializer that makes a 2-D identity matrix (rectangular shapes allowed).

    Args:
        gain: Multiplicative factor applied to the identity matrix.

    Example:

    >>> Identity(gain=2.0)((2, 3))
    tensor([[2., 0., 0.],
            [0., 2., 0.]])
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = to_dtype(dtype)
        eye = torch.eye(*shape, dtype=dtype, device=torch.get_default_device())
        if self.gain == 1:
            return eye
        return (eye * self.gain).to(dtype)

    def get_config(self):
        # Keras 3 writes no config for Identity (it loses `gain`). Writing `{}` for the
        # default keeps our files identical to Keras'; a non-default gain is written so
        # that it survives a round trip (Keras loads it too: `Identity(gain=...)`).
        if self.gain == 1.0:
            return {}
        return {"gain": self.gain}
