"""``Dropout``: zeroes a fraction of the inputs in training, scaling the rest."""

from __future__ import annotations

import torch.nn.functional as F

from kshim import random as krandom
from kshim.layers.layer import Layer


def validate_noise_shape(noise_shape):
    """Keras' checks of a ``noise_shape`` argument; returns it as a tuple (or ``None``)."""
    if noise_shape is None:
        return None
    if isinstance(noise_shape, str):
        raise ValueError(
            "Invalid value received for argument `noise_shape`. Expected a tuple or list of "
            f"integers. Received: noise_shape={noise_shape}"
        )
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise ValueError(
            "Invalid value received for argument `noise_shape`. Expected an iterable of "
            f"integers (e.g., a tuple or list). Received: noise_shape={noise_shape}"
        ) from None
    for i, dim in enumerate(noise_shape):
        if dim is None:
            continue
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise ValueError(
                "Invalid value received for argument `noise_shape`. Expected all elements "
                f"to be integers or None. Received element at index {i}: {dim} "
                f"(type: {type(dim).__name__})"
            )
        if dim <= 0:
            raise ValueError(
                "Invalid value received for argument `noise_shape`. Expected all dimensions "
                f"to be positive integers or None. Received negative or zero value at index "
                f"{i}: {dim}"
            )
    return noise_shape


class Dropout(Layer):
    """Sets inputs to 0 with probability ``rate`` in training and scales the others by
    ``1 / (1 - rate)``; in inference it returns its input unchanged.

    Args:
        rate: Float in ``[0, 1]``, the fraction of inputs to drop.
        noise_shape: Shape of the binary mask, broadcast against the input (``None``
            entries take the input's size), e.g. ``(batch, 1, features)``.
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path,
            which also compiles without graph breaks).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = Dropout(0.5)
    >>> bool((layer(torch.ones(4)) == 1).all())  # inference: identity
    True
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                "Invalid value received for argument `rate`. Expected a float value between "
                f"0 and 1. Received: rate={rate}"
            )
        self.rate = rate
        self.seed = seed
        self.noise_shape = validate_noise_shape(noise_shape)
        if rate > 0 and (seed is not None or self.noise_shape is not None):
            self.seed_generator = krandom.SeedGenerator(seed)
        else:
            self.seed_generator = None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            if self.seed_generator is None:
                return F.dropout(inputs, self.rate, True)
            return krandom.dropout(
                inputs, self.rate, noise_shape=self.noise_shape, seed=self.seed_generator
            )
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
