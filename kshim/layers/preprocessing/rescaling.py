"""``Rescaling``: ``inputs * scale + offset``."""

from __future__ import annotations

import numpy as np
import torch

from kshim.backend import config
from kshim.layers.layer import Layer
from kshim.saving import serialization_lib


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _as_tensor(value, dtype) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().to(dtype)
    return torch.as_tensor(np.asarray(value), dtype=dtype)


class Rescaling(Layer):
    """Rescales inputs: ``inputs * scale + offset`` (e.g. ``scale=1/255`` for images).

    Integer inputs (such as ``uint8`` images) are cast to the compute dtype first.

    Args:
        scale: The scale, a number or an array broadcastable to the input (per channel).
            With ``keras.config.image_data_format() == "channels_first"`` an array scale
            is aligned with the channel axis of ``(channels, height, width)``.
        offset: The offset, a number or an array.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> Rescaling(scale=1 / 127.5, offset=-1)(torch.tensor([0, 255], dtype=torch.uint8))
    tensor([-1.,  1.])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("scale", scale), ("offset", offset)):
            if value is None or isinstance(value, (str, bool)):
                raise ValueError(
                    f"Argument `{name}` of Rescaling must be a number or an array. "
                    f"Received: {name}={value!r}"
                )
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def build(self, input_shape=None):
        # Array scale/offset live in (non-saved) buffers, made here so that they are
        # created on the input's device and follow ``.to()``.
        dtype = self._compute_torch_dtype
        if _is_number(self.scale):
            self._scale = float(self.scale)
        else:
            s = _as_tensor(self.scale, dtype)
            if s.dim() > 0 and config.image_data_format() == "channels_first":
                s = s.reshape(*s.shape, *([1] * (3 - s.dim())))
            self.register_buffer("_scale", s, persistent=False)
        if _is_number(self.offset):
            self._offset = float(self.offset)
        else:
            offset = _as_tensor(self.offset, dtype)
            self.register_buffer("_offset", offset, persistent=False)

    def call(self, inputs):
        dtype = self._compute_torch_dtype
        if inputs.dtype != dtype:
            inputs = inputs.to(dtype)
        return inputs * self._scale + self._offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "scale": serialization_lib.serialize_keras_object(self.scale),
            "offset": serialization_lib.serialize_keras_object(self.offset),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("scale", "offset"):
            if key in config:
                config[key] = serialization_lib.deserialize_keras_object(
                    config[key], custom_objects=custom_objects
                )
        return cls(**config)
