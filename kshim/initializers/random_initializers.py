"""Random initializers: normal, uniform, truncated normal, variance scaling, orthogonal.

Seeding follows Keras 3 for integer seeds: an initializer built with ``seed=<int>``
returns the same values on every call, and on the CPU those values equal Keras 3's
(torch backend) for the same seed, because the draws go through a ``torch.Generator``
seeded the same way. ``seed=None`` draws from torch's global generator instead, so
``torch.manual_seed`` (or ``kshim.utils.set_random_seed``) makes runs reproducible and
successive calls differ.
"""

from __future__ import annotations

import math
from numbers import Real

import torch

from kshim.backend import config as backend_config
from kshim.initializers.initializer import Initializer, standardize_shape, to_dtype
from kshim.saving.object_registration import keras_export

# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes the
# truncated draw have the requested variance (same constant as Keras).
_TRUNCATED_STDDEV = 0.87962566103423978


def _float_dtype(dtype, initializer) -> torch.dtype:
    name = backend_config.standardize_dtype(dtype)
    if not backend_config.is_float_dtype(name):
        raise ValueError(
            f"{type(initializer).__name__} only creates floating-point tensors. "
            f"Received: dtype={dtype}"
        )
    return to_dtype(name)


def _generator(seed: int | None):
    """Returns ``(draw_device, generator)`` for a draw on the default device.

    No generator means torch's global one: for ``seed=None``, and on the ``meta``
    device, which has no generators (nothing is drawn there anyway).
    """
    device = torch.get_default_device()
    if seed is None or device.type == "meta":
        return device, None
    try:
        generator = torch.Generator(device=device)
    except RuntimeError:
        # A device without its own generators: draw on the CPU, then move.
        device = torch.device("cpu")
        generator = torch.Generator(device=device)
    # Keras feeds the seed to torch as a uint32.
    generator.manual_seed(seed & 0xFFFFFFFF)
    return device, generator


def _normal(shape, mean, stddev, dtype, seed) -> torch.Tensor:
    device, generator = _generator(seed)
    x = torch.normal(
        float(mean), float(stddev), size=shape, generator=generator, dtype=dtype, device=device
    )
    return x.to(torch.get_default_device())


def _uniform(shape, minval, maxval, dtype, seed) -> torch.Tensor:
    device, generator = _generator(seed)
    x = torch.rand(shape, generator=generator, dtype=dtype, device=device)
    x = (maxval - minval) * x + minval
    return x.to(torch.get_default_device())


def _truncated_normal(shape, mean, stddev, dtype, seed) -> torch.Tensor:
    # Keras' scheme, kept so seeded draws equal Keras': four unit-normal candidates
    # per value, keep the first one inside (-2, 2). When all four fall outside
    # (probability ~4e-6), Keras keeps an out-of-range value; we clamp it to the
    # bound, so every value lies within two standard deviations of the mean.
    x = _normal((*shape, 4), 0.0, 1.0, dtype, seed)
    valid = (x > -2) & (x < 2)
    index = valid.max(-1, keepdim=True)[1]
    x = x.gather(-1, index).squeeze(-1).clamp_(-2.0, 2.0)
    return x.mul_(float(stddev)).add_(float(mean))


def _check_non_negative(value, name):
    if isinstance(value, Real) and not value >= 0:
        raise ValueError(
            f"Argument `{name}` must be a non-negative float. Received: {name}={value}"
        )


class RandomInitializer(Initializer):
    """Base of the random initializers: validates and stores ``seed``.

    Args:
        seed: ``None`` (draw from torch's global generator) or an integer (the same
            values on every call).
    """

    def __init__(self, seed=None):
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(
                "`seed` argument should be an integer or `None`. "
                f"Received: seed={seed} (of type {type(seed)})"
            )
        self.seed = seed

    def get_config(self):
        return {"seed": self.seed}


@keras_export("keras.initializers.RandomNormal", "keras.initializers.random_normal")
class RandomNormal(RandomInitializer):
    """Initializer that draws from a normal distribution.

    Args:
        mean: Mean of the values.
        stddev: Standard deviation of the values (non-negative).
        seed: ``None`` or an integer; see ``RandomInitializer``.

    Example:

    >>> init = RandomNormal(mean=0.0, stddev=1.0, seed=1)
    >>> values = init((2, 3))
    >>> values.shape, bool((values == init((2, 3))).all())
    (torch.Size([2, 3]), True)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        _check_non_negative(stddev, "stddev")
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _normal(
            standardize_shape(shape),
            self.mean,
            self.stddev,
            _float_dtype(dtype, self),
            self.seed,
        )

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras_export("keras.initializers.TruncatedNormal", "keras.initializers.truncated_normal")
class TruncatedNormal(RandomInitializer):
    """Initializer that draws from a normal distribution truncated to two stddevs.

    Values more than two standard deviations from the mean are re-drawn, so every
    value lies in ``[mean - 2 * stddev, mean + 2 * stddev]``.

    Args:
        mean: Mean of the untruncated distribution.
        stddev: Standard deviation of the untruncated distribution (non-negative).
        seed: ``None`` or an integer; see ``RandomInitializer``.

    Example:

    >>> values = TruncatedNormal(mean=1.0, stddev=0.5, seed=0)((1000,))
    >>> bool(values.min() >= 0.0), bool(values.max() <= 2.0)
    (True, True)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        _check_non_negative(stddev, "stddev")
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _truncated_normal(
            standardize_shape(shape),
            self.mean,
            self.stddev,
            _float_dtype(dtype, self),
            self.seed,
        )

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


@keras_export("keras.initializers.RandomUniform", "keras.initializers.random_uniform")
class RandomUniform(RandomInitializer):
    """Initializer that draws from a uniform distribution on ``[minval, maxval)``.

    Args:
        minval: Lower bound (inclusive).
        maxval: Upper bound (exclusive).
        seed: ``None`` or an integer; see ``RandomInitializer``.

    Example:

    >>> values = RandomUniform(minval=-1.0, maxval=1.0, seed=0)((1000,))
    >>> bool(values.min() >= -1.0), bool(values.max() < 1.0)
    (True, True)
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return _uniform(
            standardize_shape(shape),
            self.minval,
            self.maxval,
            _float_dtype(dtype, self),
            self.seed,
        )

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Returns ``(fan_in, fan_out)`` of a weight shape, as Keras computes them.

    A 2-D shape is ``(in, out)``; a longer one is a convolution kernel
    ``(*spatial, in, out)`` whose fans are multiplied by the receptive field size. When
    both ``input_axes`` and ``output_axes`` are given, the fans are the products of the
    sizes on those axes.

    Args:
        shape: The weight shape.
        input_axes: Optional axes holding the input units.
        output_axes: Optional axes holding the output units.

    Example:

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        fan_out = math.prod(shape[axis] for axis in output_axes)
        return int(fan_in), int(fan_out)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


_MODES = ("fan_in", "fan_out", "fan_avg")
_DISTRIBUTIONS = ("uniform", "truncated_normal", "untruncated_normal")


@keras_export("keras.initializers.VarianceScaling", "keras.initializers.variance_scaling")
class VarianceScaling(RandomInitializer):
    """Initializer whose scale adapts to the fans of the weight shape.

    With ``n`` the fan chosen by ``mode`` (``fan_in``, ``fan_out`` or their mean,
    ``fan_avg``), normal distributions have ``stddev = sqrt(scale / n)`` (after
    truncation, for ``"truncated_normal"``) and ``"uniform"`` draws from
    ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``.

    Args:
        scale: Positive scaling factor.
        mode: One of ``"fan_in"``, ``"fan_out"``, ``"fan_avg"``.
        distribution: One of ``"truncated_normal"`` (alias ``"normal"``),
            ``"untruncated_normal"``, ``"uniform"``.
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> init = VarianceScaling(scale=3.0, mode="fan_in", distribution="uniform", seed=0)
    >>> bool(init((100, 10)).abs().max() <= 0.3)
    True
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if not scale > 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in _MODES:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {set(_MODES)}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in _DISTRIBUTIONS:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}. "
                f"Please use one of {set(_DISTRIBUTIONS)}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        dtype = _float_dtype(dtype, self)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        if self.mode == "fan_in":
            n = fan_in
        elif self.mode == "fan_out":
            n = fan_out
        else:
            n = (fan_in + fan_out) / 2.0
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return _truncated_normal(shape, 0.0, stddev, dtype, self.seed)
        if self.distribution == "untruncated_normal":
            return _normal(shape, 0.0, math.sqrt(scale), dtype, self.seed)
        limit = math.sqrt(3.0 * scale)
        return _uniform(shape, -limit, limit, dtype, self.seed)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: only ``seed`` and the fan axes are arguments."""

    _scale = 1.0
    _mode = "fan_in"
    _distribution = "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            scale=self._scale,
            mode=self._mode,
            distribution=self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


@keras_export("keras.initializers.GlorotUniform", "keras.initializers.glorot_uniform")
class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform initializer: ``U(-limit, limit)``, ``limit = sqrt(6 / (fan_in + fan_out))``.

    Args:
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> bool(GlorotUniform(seed=0)((4, 2)).abs().max() <= 1.0)
    True
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


@keras_export("keras.initializers.GlorotNormal", "keras.initializers.glorot_normal")
class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal initializer: truncated normal, ``stddev = sqrt(2 / (fan_in + fan_out))``.

    Args:
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> GlorotNormal(seed=0)((3, 3, 8, 16)).shape
    torch.Size([3, 3, 8, 16])
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


@keras_export("keras.initializers.LecunNormal", "keras.initializers.lecun_normal")
class LecunNormal(_FixedVarianceScaling):
    """LeCun normal initializer: truncated normal, ``stddev = sqrt(1 / fan_in)``.

    Args:
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> LecunNormal(seed=0)((4, 2)).shape
    torch.Size([4, 2])
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


@keras_export("keras.initializers.LecunUniform", "keras.initializers.lecun_uniform")
class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform initializer: ``U(-limit, limit)``, ``limit = sqrt(3 / fan_in)``.

    Args:
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> bool(LecunUniform(seed=0)((3, 2)).abs().max() <= 1.0)
    True
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


@keras_export("keras.initializers.HeNormal", "keras.initializers.he_normal")
class HeNormal(_FixedVarianceScaling):
    """He normal initializer: truncated normal, ``stddev = sqrt(2 / fan_in)``.

    Args:
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> HeNormal(seed=0)((4, 2)).dtype
    torch.float32
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


@keras_export("keras.initializers.HeUniform", "keras.initializers.he_uniform")
class HeUniform(_FixedVarianceScaling):
    """He uniform initializer: ``U(-limit, limit)``, ``limit = sqrt(6 / fan_in)``.

    Args:
        seed: ``None`` or an integer; see ``RandomInitializer``.
        input_axes: Optional axes holding the input units (with ``output_axes``).
        output_axes: Optional axes holding the output units (with ``input_axes``).

    Example:

    >>> bool(HeUniform(seed=0)((6, 2)).abs().max() <= 1.0)
    True
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


@keras_export(
    "keras.initializers.Orthogonal",
    "keras.initializers.orthogonal",
    "keras.initializers.OrthogonalInitializer",
)
class Orthogonal(RandomInitializer):
    """Initializer that makes an orthogonal matrix (QR of a random normal matrix).

    A shape ``(*dims, n)`` is treated as a ``(prod(dims), n)`` matrix: its columns
    are orthonormal when it has at least as many rows as columns, else its rows.

    Args:
        gain: Multiplicative factor applied to the orthogonal matrix.
        seed: ``None`` or an integer; see ``RandomInitializer``.

    Example:

    >>> import torch
    >>> q = Orthogonal(seed=0)((4, 3))
    >>> torch.allclose(q.T @ q, torch.eye(3), atol=1e-5)
    True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = _float_dtype(dtype, self)
        num_rows = math.prod(shape[:-1])
        num_cols = shape[-1]
        flat_shape = (max(num_rows, num_cols), min(num_rows, num_cols))
        # QR has no half-precision kernels: factor in float32 (float64 if asked).
        work_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        a = _normal(flat_shape, 0.0, 1.0, work_dtype, self.seed)
        q, r = torch.linalg.qr(a)
        q = q * torch.sign(torch.diagonal(r))
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
