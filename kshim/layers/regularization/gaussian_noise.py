"""``GaussianNoise``: adds zero-centred Gaussian noise in training."""

from __future__ import annotations

import torch

from kshim import random as krandom
from kshim.layers.layer import Layer
from kshim.layers.regularization._args import check_unit_interval


class GaussianNoise(Layer):
    """Adds ``N(0, stddev^2)`` noise to its inputs in training; in inference it returns its
    input unchanged. A regularizer, and a form of data augmentation for real inputs.

    Args:
        stddev: Float in ``[0, 1]`` (Keras' bounds), the noise standard deviation.
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = GaussianNoise(0.1)
    >>> x = torch.zeros(1000)
    >>> bool((layer(x) == x).all())  # inference: identity
    True
    >>> round(float(layer(x, training=True).std()), 1)
    0.1
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_unit_interval(stddev, "stddev")
        self.seed = seed
        self.seed_generator = (
            krandom.SeedGenerator(seed) if stddev > 0 and seed is not None else None
        )
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            if self.seed_generator is None:
                noise = torch.randn_like(inputs, dtype=self._compute_torch_dtype)
                return torch.add(inputs, noise, alpha=self.stddev)
            noise = krandom.normal(
                inputs.shape,
                stddev=self.stddev,
                dtype=self.compute_dtype,
                seed=self.seed_generator,
                device=inputs.device,
            )
            return inputs + noise
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
