"""Keras 3's random functions (``keras.random``) drawing torch tensors.

Seeds:

* ``seed=None`` draws from torch's global generator, so ``torch.manual_seed`` (or
  ``kshim.utils.set_random_seed``) reproduces the values; these draws use torch's own
  random ops and trace under ``torch.compile`` without graph breaks.
* An int gives the same values on every call.
* A `SeedGenerator` gives new values on every call, reproducibly from its seed.

Int and ``SeedGenerator`` draws come from a counter-based hash (see ``_counter_rng``):
no ``torch.Generator`` is involved, so they also trace under ``torch.compile``, work on
the ``meta`` device and give the same values on every device. (`gamma`, `beta` and
`binomial` with a seed are the exception: they use a seeded ``torch.Generator``.)

New tensors go to ``torch.get_default_device()``; `dropout`, `shuffle` and
`categorical` follow their input's device.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kshim.backend.config import floatx, is_float_dtype, standardize_dtype, to_torch_dtype
from kshim.ops.core import _as_tensor
from kshim.random._counter_rng import make_key, numel, random_bits, unit_float
from kshim.random.seed_generator import SeedGenerator

_ERF_SQRT2 = math.erf(math.sqrt(2.0))  # mass of a standard normal within 2 stddevs


def _key(seed):
    """``None`` for torch's global generator, else the two key words for ``seed``."""
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        state = seed.next().to(torch.int64)
        return make_key(state[0], state[1])
    if isinstance(seed, int) and not isinstance(seed, bool):
        return make_key(seed, 0)
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed} (of type {type(seed)})"
    )


def _shape(shape) -> tuple:
    if isinstance(shape, (int, torch.SymInt)):
        return (shape,)
    return tuple(shape)


def _float_dtype(dtype, name) -> torch.dtype:
    if dtype is not None and not is_float_dtype(dtype):
        raise ValueError(
            f"`keras.random.{name}` requires a floating point `dtype`. Received: dtype={dtype} "
        )
    return to_torch_dtype(dtype or floatx())


def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype == torch.float64 else torch.float32


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, *, device=None) -> torch.Tensor:
    """Samples from a normal distribution.

    Args:
        shape: Shape of the output.
        mean: Mean of the distribution.
        stddev: Standard deviation of the distribution.
        dtype: Float dtype; ``floatx()`` by default.
        seed: ``None``, an int or a `SeedGenerator` (see the module docstring).
        device: Where to draw (kshim's addition; ``None``: the default device). Layers
            pass their input's device, so no sample is ever made elsewhere and copied.

    >>> normal((2, 3), seed=1).shape
    torch.Size([2, 3])
    >>> bool((normal((3,), seed=1) == normal((3,), seed=1)).all())
    True
    """
    shape = _shape(shape)
    dt = _float_dtype(dtype, "normal")
    key = _key(seed)
    if key is None:
        z = torch.randn(shape, dtype=dt, device=device)
    else:
        compute = _compute_dtype(dt)
        u1 = 1.0 - unit_float(key, shape, compute, device, stream=0)  # in (0, 1]
        u2 = unit_float(key, shape, compute, device, stream=1)
        # Box-Muller transform.
        z = torch.sqrt(-2.0 * torch.log(u1)) * torch.cos((2.0 * math.pi) * u2)
    return (z * stddev + mean).to(dt)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None, *, device=None) -> torch.Tensor:
    """Samples uniformly from ``[minval, maxval)``.

    >>> x = uniform((1000,), minval=2.0, maxval=3.0, seed=0)
    >>> bool((x >= 2).all() and (x < 3).all())
    True
    """
    shape = _shape(shape)
    dt = _float_dtype(dtype, "uniform")
    key = _key(seed)
    if key is None:
        u = torch.rand(shape, dtype=dt, device=device)
    else:
        u = unit_float(key, shape, dt, device)
    return (maxval - minval) * u + minval


def truncated_normal(
    shape, mean=0.0, stddev=1.0, dtype=None, seed=None, *, device=None
) -> torch.Tensor:
    """Samples from a normal distribution truncated to ``mean +- 2 * stddev``.

    Values are drawn exactly (by inverting the truncated CDF), not by rejection.

    >>> x = truncated_normal((1000,), seed=0)
    >>> bool((x.abs() < 2).all())
    True
    """
    shape = _shape(shape)
    dt = _float_dtype(dtype, "truncated_normal")
    compute = _compute_dtype(dt)
    key = _key(seed)
    if key is None:
        u = torch.rand(shape, dtype=compute, device=device)
    else:
        u = unit_float(key, shape, compute, device)
    z = math.sqrt(2.0) * torch.erfinv((2.0 * u - 1.0) * _ERF_SQRT2)
    bound = 2.0 - 4 * torch.finfo(compute).eps  # rounding must not reach +-2
    z = torch.clamp(z, -bound, bound)
    return (z * stddev + mean).to(dt)


def randint(shape, minval, maxval, dtype="int32", seed=None) -> torch.Tensor:
    """Samples integers uniformly from ``[minval, maxval)``.

    >>> x = randint((1000,), 3, 7, seed=0)
    >>> x.dtype, int(x.min()), int(x.max())
    (torch.int32, 3, 6)
    """
    if dtype is not None and "int" not in standardize_dtype(dtype):
        raise ValueError(
            f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} "
        )
    shape = _shape(shape)
    dt = to_torch_dtype(dtype or "int32")
    key = _key(seed)
    if key is None:
        return torch.randint(minval, maxval, shape, dtype=dt)
    n = numel(shape)
    span = maxval - minval
    bits = random_bits(key, n, None)
    if isinstance(span, int) and span < 2**31:
        offset = (bits * span) >> 32  # multiply-shift: no modulo, no overflow
    else:
        wide = ((bits & 0x3FFFFFFF) << 32) | random_bits(key, n, None, stream=1)
        offset = wide % span
    return (offset + minval).reshape(shape).to(dt)


def categorical(logits, num_samples, dtype="int32", seed=None) -> torch.Tensor:
    """Draws class indices from the categorical distributions given by ``logits``.

    Args:
        logits: ``(batch, num_classes)`` unnormalized log-probabilities.
        num_samples: Number of samples per row.
        dtype: Integer dtype of the result.
        seed: ``None``, an int or a `SeedGenerator`.

    Returns:
        ``(batch, num_samples)`` class indices, on the device of ``logits``.

    >>> categorical(torch.tensor([[0.0, -1e9], [-1e9, 0.0]]), 3, seed=0)
    tensor([[0, 0, 0],
            [1, 1, 1]], dtype=torch.int32)
    """
    logits = _as_tensor(logits)
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits}"
        )
    dt = to_torch_dtype(dtype)
    key = _key(seed)
    compute = torch.float64 if logits.dtype == torch.float64 else torch.float32
    logits = logits.to(compute)
    if key is None:
        probs = torch.softmax(logits, dim=-1)
        return torch.multinomial(probs, num_samples, replacement=True).to(dt)
    # Gumbel-max trick: argmax(logits + Gumbel noise) is a categorical sample.
    batch, classes = logits.shape
    bits = random_bits(key, batch * num_samples * classes, logits.device)
    # (k + 1/2) / 2**24 is exact in float64 and strictly inside (0, 1).
    u = ((bits >> 8).to(torch.float64) + 0.5) * 2.0**-24
    gumbel = (-torch.log(-torch.log(u))).to(compute).reshape(batch, num_samples, classes)
    return torch.argmax(logits[:, None, :] + gumbel, dim=-1).to(dt)


def _uses_global_rng(seed) -> bool:
    return seed is None or (isinstance(seed, SeedGenerator) and seed.initial_seed is None)


def dropout(inputs, rate, noise_shape=None, seed=None) -> torch.Tensor:
    """Zeroes elements of ``inputs`` with probability ``rate`` and scales the others by
    ``1 / (1 - rate)``.

    Args:
        inputs: Input tensor.
        rate: Drop probability in ``[0, 1]``.
        noise_shape: Shape of the keep/drop mask, broadcast against ``inputs`` (``None``
            entries take the input's size), e.g. ``(batch, 1, features)`` drops whole
            feature columns.
        seed: ``None``, an int or a `SeedGenerator`. ``None`` (or a generator made
            without a seed), without ``noise_shape``, is ``torch.nn.functional.dropout``.

    >>> x = dropout(torch.ones(4, 1000), 0.5, seed=1)
    >>> sorted(set(x.flatten().tolist()))
    [0.0, 2.0]
    """
    x = _as_tensor(inputs)
    if isinstance(rate, (int, float)):
        if rate == 0:
            return x
        if rate == 1:
            return torch.zeros_like(x)
    global_rng = _uses_global_rng(seed)
    if global_rng and noise_shape is None:
        return F.dropout(x, p=rate, training=True)
    if noise_shape is None:
        mask_shape = tuple(x.shape)
    else:
        mask_shape = tuple(x.shape[i] if d is None else d for i, d in enumerate(tuple(noise_shape)))
    keep = 1.0 - rate
    if global_rng:
        u = torch.rand(mask_shape, dtype=torch.float32, device=x.device)
    else:
        u = unit_float(_key(seed), mask_shape, torch.float32, x.device)
    return torch.where(u < keep, x / keep, torch.zeros((), dtype=x.dtype, device=x.device))


def shuffle(x, axis=0, seed=None) -> torch.Tensor:
    """``x`` with its slices along ``axis`` in a random order (one permutation for all).

    >>> sorted(shuffle(torch.arange(5), seed=3).tolist())
    [0, 1, 2, 3, 4]
    """
    x = _as_tensor(x)
    n = x.shape[axis]
    key = _key(seed)
    if key is None:
        sort_keys = torch.rand((n,), device=x.device)
    else:
        sort_keys = random_bits(key, n, x.device)  # distinct for one key: no ties
    return torch.index_select(x, axis, torch.argsort(sort_keys))


def _generator(seed, device: torch.device):
    """A ``torch.Generator`` seeded from ``seed`` (``None`` for the global one)."""
    key = _key(seed)
    if key is None or device.type == "meta":
        return None
    k0, k1 = (int(k) for k in key)
    generator = torch.Generator(device=device)
    generator.manual_seed((k0 << 32) | k1)
    return generator


def _param(value, shape, compute):
    if isinstance(value, (int, float)):
        return torch.full(shape, value, dtype=compute)
    return torch.broadcast_to(_as_tensor(value).to(compute), shape)


def gamma(shape, alpha, dtype=None, seed=None) -> torch.Tensor:
    """Samples from gamma distributions with concentration ``alpha`` (scale 1).

    >>> float(gamma((20000,), alpha=3.0, seed=0).mean().round())
    3.0
    """
    shape = _shape(shape)
    dt = _float_dtype(dtype, "gamma")
    compute = _compute_dtype(dt)
    alpha = _param(alpha, shape, compute)
    return torch._standard_gamma(alpha, _generator(seed, alpha.device)).to(dt)


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> torch.Tensor:
    """Samples from binomial distributions with ``counts`` trials of success
    probability ``probabilities``."""
    shape = _shape(shape)
    dt = to_torch_dtype(dtype or floatx())
    compute = torch.float64 if dt == torch.float64 else torch.float32
    n = _param(counts, shape, compute)
    p = _param(probabilities, shape, compute)
    if n.device.type == "meta":  # torch.binomial has no meta kernel; only the shape matters
        return torch.empty(shape, dtype=dt, device=n.device)
    return torch.binomial(n, p, generator=_generator(seed, n.device)).to(dt)


def beta(shape, alpha, beta, dtype=None, seed=None) -> torch.Tensor:
    """Samples from beta distributions with concentrations ``alpha`` and ``beta``."""
    shape = _shape(shape)
    dt = _float_dtype(dtype, "beta")
    compute = _compute_dtype(dt)
    alpha, beta = _param(alpha, shape, compute), _param(beta, shape, compute)
    generator = _generator(seed, alpha.device)
    x = torch._standard_gamma(alpha, generator)
    y = torch._standard_gamma(beta, generator)
    return (x / (x + y)).to(dt)
