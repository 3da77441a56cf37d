"""Keras 3's random functions (``keras.random``) and ``SeedGenerator``, on torch."""

from kshim.random.random import (
    beta,
    binomial,
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from kshim.random.seed_generator import SeedGenerator
