"""``AlphaDropout``: dropout that keeps the mean and variance of SELU activations."""

from __future__ import annotations

import torch

from kshim import random as krandom
from kshim.layers.layer import Layer
from kshim.layers.regularization._args import check_unit_interval
from kshim.layers.regularization.dropout import validate_noise_shape

# SELU's constants (Klambauer et al., 2017); dropped units take SELU's negative saturation.
_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946
_ALPHA_P = -_ALPHA * _SCALE


class AlphaDropout(Layer):
    """Alpha dropout: in training, sets inputs to SELU's negative saturation value with
    probability ``rate``, then applies the affine map ``a * x + b`` that restores the
    inputs' mean and variance; in inference it returns its input unchanged.

    Args:
        rate: Float in ``[0, 1]``, the drop probability. (``rate=1`` leaves no input to
            rescale: such a layer can only run in inference, as in Keras.)
        noise_shape: Shape of the keep/drop mask, broadcast against the input (``None``
            entries take the input's size), e.g. ``(batch, 1, features)``.
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = AlphaDropout(0.2)
    >>> x = torch.randn(20000)
    >>> bool((layer(x) == x).all())  # inference: identity
    True
    >>> y = layer(x, training=True)
    >>> abs(float(y.mean())) < 0.05, abs(float(y.std()) - 1.0) < 0.05  # mean, variance kept
    (True, True)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_unit_interval(rate, "rate")
        self.seed = seed
        self.noise_shape = noise_shape  # as given, as Keras' config has it
        self._noise_shape = validate_noise_shape(noise_shape)
        self.seed_generator = krandom.SeedGenerator(seed) if rate > 0 and seed is not None else None
        if rate < 1:
            a = ((1 - rate) * (1 + rate * _ALPHA_P**2)) ** -0.5
            b = -a * _ALPHA_P * rate
            self._affine = (a, b, a * _ALPHA_P + b)  # kept: a * x + b; dropped: a * alpha_p + b
        else:
            self._affine = None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            if self._affine is None:
                # Keras raises ZeroDivisionError here.
                raise ValueError(
                    f"AlphaDropout '{self.name}' with rate=1 drops every input and cannot run "
                    "in training mode. Received: rate=1"
                )
            shape = inputs.shape
            if self._noise_shape is not None:
                if len(self._noise_shape) != inputs.dim():
                    raise ValueError(
                        f"AlphaDropout '{self.name}': `noise_shape` {self._noise_shape} must "
                        f"have the rank of the input, of shape {tuple(inputs.shape)}"
                    )
                shape = tuple(shape[i] if d is None else d for i, d in enumerate(self._noise_shape))
            if self.seed_generator is None:
                u = torch.rand(shape, dtype=torch.float32, device=inputs.device)
            else:
                u = krandom.uniform(
                    shape, dtype="float32", seed=self.seed_generator, device=inputs.device
                )
            a, b, dropped = self._affine
            return torch.where(u >= self.rate, inputs * a + b, dropped)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
