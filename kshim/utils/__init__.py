"""Utilities: seeding."""

from kshim.utils.rng import set_random_seed
