"""``Masking``: masks (and zeroes) the timesteps whose features all equal a value."""

from __future__ import annotations

import torch

from kshim.layers.layer import Layer
from kshim.saving import serialization_lib


class Masking(Layer):
    """Masks timesteps whose features all equal ``mask_value``.

    A timestep ``inputs[b, t]`` is masked when every feature equals ``mask_value``: the
    output is zero there, and ``compute_mask`` returns ``False`` there, so that
    downstream layers that support masking (e.g. RNNs) skip it.

    Args:
        mask_value: The padding value (a number, or a tensor broadcastable to the
            feature axis).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, timesteps, ..., features)``.

    Output shape:
        Same as the input; the mask has shape ``inputs.shape[:-1]``.

    >>> import torch
    >>> x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    >>> layer = Masking(mask_value=0.0)
    >>> layer.compute_mask(x)
    tensor([[ True, False,  True]])
    >>> layer(x)[0, 1]
    tensor([0., 0.])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        # A tensor mask value comes back from a config as its serialized dict.
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            mask_value = serialization_lib.deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True

    def build(self, input_shape=None):
        value = self.mask_value
        if isinstance(value, (bool, int, float)):
            self._value = value
        else:
            # An array value lives in a (non-saved) buffer, made here on the input's
            # device, so that it follows ``.to()``.
            if isinstance(value, torch.Tensor):
                value = value.detach()
            self.register_buffer("_value", torch.as_tensor(value), persistent=False)

    def compute_mask(self, inputs, mask=None):
        if not self.built:
            self.build(tuple(inputs.shape))
        return torch.any(inputs != self._value, dim=-1)

    def call(self, inputs):
        keep = torch.any(inputs != self._value, dim=-1, keepdim=True)
        return torch.where(keep, inputs, 0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
