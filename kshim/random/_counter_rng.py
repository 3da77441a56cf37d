"""A counter-based random bit generator made of plain integer tensor ops.

Seeded draws (an int seed or a `SeedGenerator`) hash ``(key, element index)`` into 32
random bits, so they need no ``torch.Generator``: they trace under ``torch.compile``
without graph breaks, run on any device (``meta`` included) and give the same values on
every device. The hash is two rounds of a 32-bit integer mixer (constants from Chris
Wellons' hash prospector) keyed by two 32-bit words; its multipliers are below 2**31 so
int64 products never overflow.
"""

from __future__ import annotations

import functools
import operator

import torch

MASK32 = 0xFFFFFFFF


def mix32(x):
    """A bijective 32-bit mixing function on ints or int64 tensors in ``[0, 2**32)``."""
    x = x ^ (x >> 16)
    x = (x * 0x21F0AAAD) & MASK32
    x = x ^ (x >> 15)
    x = (x * 0x735A2D97) & MASK32
    return x ^ (x >> 15)


def make_key(seed, counter):
    """Two 32-bit key words from a seed and a counter (Python ints or int64 tensors)."""
    seed = seed & MASK32
    counter = counter & MASK32
    k0 = mix32(mix32(seed ^ 0x6A09E667) ^ counter)
    k1 = mix32(mix32(counter ^ 0xBB67AE85) ^ seed)
    return k0, k1


def numel(shape) -> int:
    return functools.reduce(operator.mul, shape, 1)


def random_bits(key, count, device, stream: int = 0) -> torch.Tensor:
    """``count`` random 32-bit values (int64 tensor in ``[0, 2**32)``) for ``key``.

    Different ``stream`` numbers give independent values for the same key.
    """
    k0, k1 = key
    if stream:
        k0 = mix32(k0 ^ ((0x9E3779B9 * stream) & MASK32))
    # ``device=None`` is torch's default device (``torch.get_default_device()`` does not
    # trace); key tensors (a SeedGenerator's CPU state) follow the counters.
    i = torch.arange(count, dtype=torch.int64, device=device)
    if isinstance(k0, torch.Tensor):
        k0 = k0.to(i.device)
    if isinstance(k1, torch.Tensor):
        k1 = k1.to(i.device)
    x = mix32((i & MASK32) ^ k0)
    return mix32(x ^ k1 ^ (i >> 32))


# Random bits per value for each float dtype: what its significand can hold exactly.
_BITS = {torch.float16: 11, torch.bfloat16: 8, torch.float32: 24}


def unit_float(key, shape, dtype: torch.dtype, device, stream: int = 0) -> torch.Tensor:
    """Uniform values in ``[0, 1)`` of ``dtype``; ``stream`` selects an independent draw."""
    n = numel(shape)
    if dtype == torch.float64:
        hi = random_bits(key, n, device, 2 * stream) >> 5
        lo = random_bits(key, n, device, 2 * stream + 1) >> 6
        out = (hi * (1 << 26) + lo).to(torch.float64) * 2.0**-53
    else:
        width = _BITS.get(dtype, 24)
        bits = random_bits(key, n, device, 2 * stream)
        out = ((bits >> (32 - width)).to(torch.float32) * 2.0**-width).to(dtype)
    return out.reshape(tuple(shape))
