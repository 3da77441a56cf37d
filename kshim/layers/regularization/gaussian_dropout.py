"""``GaussianDropout``: multiplies by one-centred Gaussian noise in training."""

from __future__ import annotations

import math

import torch

from kshim import random as krandom
from kshim.layers.layer import Layer
from kshim.layers.regularization._args import check_unit_interval


class GaussianDropout(Layer):
    """Multiplies its inputs by ``N(1, rate / (1 - rate))`` noise in training (the noise of
    ``Dropout(rate)`` as a Gaussian); in inference it returns its input unchanged.

    Args:
        rate: Float in ``[0, 1]``, the drop probability of the equivalent ``Dropout``; the
            noise has standard deviation ``sqrt(rate / (1 - rate))``. (``rate=1`` has an
            infinite one: such a layer can only run in inference, as in Keras.)
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = GaussianDropout(0.2)  # noise stddev 0.5
    >>> x = torch.ones(10000)
    >>> bool((layer(x) == x).all())  # inference: identity
    True
    >>> y = layer(x, training=True)
    >>> round(float(y.mean()), 1), round(float(y.std()), 1)
    (1.0, 0.5)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_unit_interval(rate, "rate")
        self.seed = seed
        self.seed_generator = krandom.SeedGenerator(seed) if rate > 0 and seed is not None else None
        self._stddev = math.sqrt(rate / (1.0 - rate)) if rate < 1 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = self._stddev
            if stddev is None:
                # Keras raises ZeroDivisionError here.
                raise ValueError(
                    f"GaussianDropout '{self.name}' with rate=1 has an infinite noise "
                    "standard deviation and cannot run in training mode. Received: rate=1"
                )
            if self.seed_generator is None:
                noise = torch.randn_like(inputs, dtype=self._compute_torch_dtype)
                return inputs * noise.mul_(stddev).add_(1.0)
            noise = krandom.normal(
                inputs.shape,
                mean=1.0,
                stddev=stddev,
                dtype=self.compute_dtype,
                seed=self.seed_generator,
                device=inputs.device,
            )
            return inputs * noise
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
