"""Initializers: Keras 3 parity (values, statistics, configs), seeding, devices, errors."""

import math
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

from kshim import initializers
from kshim.backend import config as backend_config

keras = pytest.importorskip("keras")

RANDOM_CLASSES = [
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
]
CONSTANT_CLASSES = ["Zeros", "Ones", "Constant", "Identity"]
ALL_CLASSES = RANDOM_CLASSES + CONSTANT_CLASSES

# Constructor arguments that differ from the defaults, per class.
NON_DEFAULT_ARGS = {
    "RandomNormal": {"mean": 1.0, "stddev": 0.3, "seed": 5},
    "RandomUniform": {"minval": -2.0, "maxval": 3.0, "seed": 5},
    "TruncatedNormal": {"mean": -1.0, "stddev": 2.0, "seed": 5},
    "VarianceScaling": {
        "scale": 2.5,
        "mode": "fan_avg",
        "distribution": "untruncated_normal",
        "seed": 5,
        "input_axes": [0],
        "output_axes": [1, 2],
    },
    "GlorotUniform": {"seed": 5},
    "GlorotNormal": {"seed": 5, "input_axes": [0], "output_axes": [1]},
    "HeUniform": {"seed": 5},
    "HeNormal": {"seed": 5},
    "LecunUniform": {"seed": 5},
    "LecunNormal": {"seed": 5},
    "Orthogonal": {"gain": 2.0, "seed": 5},
    "Zeros": {},
    "Ones": {},
    "Constant": {"value": 2.5},
    "Identity": {"gain": 3.0},
}

# The names Keras 3.15 accepts in `keras.initializers.get` (except STFT, which needs scipy).
KERAS_ALIASES = {
    "Constant": "Constant",
    "constant": "Constant",
    "GlorotNormal": "GlorotNormal",
    "glorot_normal": "GlorotNormal",
    "GlorotUniform": "GlorotUniform",
    "glorot_uniform": "GlorotUniform",
    "HeNormal": "HeNormal",
    "he_normal": "HeNormal",
    "HeUniform": "HeUniform",
    "he_uniform": "HeUniform",
    "Identity": "Identity",
    "identity": "Identity",
    "IdentityInitializer": "Identity",
    "LecunNormal": "LecunNormal",
    "lecun_normal": "LecunNormal",
    "LecunUniform": "LecunUniform",
    "lecun_uniform": "LecunUniform",
    "Ones": "Ones",
    "ones": "Ones",
    "one": "Ones",
    "Orthogonal": "Orthogonal",
    "orthogonal": "Orthogonal",
    "OrthogonalInitializer": "Orthogonal",
    "RandomNormal": "RandomNormal",
    "random_normal": "RandomNormal",
    "normal": "RandomNormal",
    "RandomUniform": "RandomUniform",
    "random_uniform": "RandomUniform",
    "uniform": "RandomUniform",
    "TruncatedNormal": "TruncatedNormal",
    "truncated_normal": "TruncatedNormal",
    "VarianceScaling": "VarianceScaling",
    "variance_scaling": "VarianceScaling",
    "Zeros": "Zeros",
    "zeros": "Zeros",
    "zero": "Zeros",
}


def _np(t):
    return t.detach().cpu().numpy()


# ---------------------------------------------------------------- configs


@pytest.mark.parametrize("name", ALL_CLASSES)
@pytest.mark.parametrize("non_default", [False, True])
def test_serialize_matches_keras(name, non_default):
    kwargs = NON_DEFAULT_ARGS[name] if non_default else {}
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    if name == "Identity" and non_default:
        # Keras 3 drops `gain` from Identity's config (it has no get_config); we keep it.
        assert initializers.serialize(ours)["config"] == {"gain": 3.0}
        assert keras.initializers.serialize(theirs)["config"] == {}
        return
    assert ours.get_config() == theirs.get_config()
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_config_round_trip(name):
    cls = getattr(initializers, name)
    init = cls(**NON_DEFAULT_ARGS[name])
    clone = cls.from_config(init.get_config())
    assert type(clone) is cls
    assert clone.get_config() == init.get_config()
    restored = initializers.deserialize(initializers.serialize(init))
    assert type(restored) is cls
    assert restored.get_config() == init.get_config()
    assert init.clone().get_config() == init.get_config()


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_keras_loads_our_config_and_we_load_keras_config(name):
    kwargs = NON_DEFAULT_ARGS[name]
    ours = getattr(initializers, name)(**kwargs)
    theirs = keras.initializers.deserialize(initializers.serialize(ours))
    assert type(theirs).__name__ == name
    if name != "Identity":
        assert theirs.get_config() == ours.get_config()
    back = initializers.deserialize(keras.initializers.serialize(theirs))
    assert type(back) is type(ours)


def test_constant_with_array_value_round_trips_like_keras():
    value = np.array([1.0, 2.0], dtype="float32")
    ours = initializers.Constant(value)
    theirs = keras.initializers.Constant(value)
    assert initializers.serialize(ours) == keras.initializers.serialize(theirs)
    restored = initializers.deserialize(initializers.serialize(ours))
    np.testing.assert_array_equal(_np(restored((3, 2))), np.tile(value, (3, 1)))


@pytest.mark.parametrize("alias, class_name", sorted(KERAS_ALIASES.items()))
def test_get_accepts_every_keras_name(alias, class_name):
    obj = initializers.get(alias)
    assert type(obj).__name__ == class_name
    if class_name != "Constant":  # Keras 3.15 raises KeyError('value') for these
        assert type(keras.initializers.get(alias)).__name__ == class_name
    if hasattr(keras.initializers, alias):  # exported names are module attributes too
        assert getattr(initializers, alias) is type(obj)


def test_get_variants():
    assert initializers.get(None) is None
    init = initializers.HeNormal(seed=1)
    assert initializers.get(init) is init
    assert type(initializers.get(initializers.Ones)) is initializers.Ones

    def fn(shape, dtype=None):
        return torch.ones(shape)

    assert initializers.get(fn) is fn
    got = initializers.get({"class_name": "RandomUniform", "config": {"maxval": 2.0}})
    assert isinstance(got, initializers.RandomUniform) and got.maxval == 2.0
    # A new instance every time, as in Keras.
    assert initializers.get("ones") is not initializers.get("ones")


def test_get_tensor_identifier():
    value = np.arange(6, dtype="float64").reshape(2, 3)
    fn = initializers.get(value)
    out = fn((2, 3))
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(_np(out), value)
    out[0, 0] = 100.0  # a copy, not a view of the array
    assert value[0, 0] == 0.0
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\)"):
        fn((3, 2))
    tensor = torch.ones(2)
    copy = initializers.get(tensor)((2,), dtype="float32")
    assert copy is not tensor and torch.equal(copy, tensor)


@pytest.mark.parametrize("identifier", ["nope", {"class_name": "Nope", "config": {}}, 3, "glorot"])
def test_get_unknown_raises_keras_message(identifier):
    message = f"Could not interpret initializer identifier: {identifier}"
    with pytest.raises(ValueError) as ours:
        initializers.get(identifier)
    with pytest.raises(ValueError) as theirs:
        keras.initializers.get(identifier)
    assert str(ours.value) == message == str(theirs.value)


def test_aliases_are_the_classes():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.he_normal is initializers.HeNormal
    assert initializers.identity is initializers.Identity
    assert initializers.IdentityInitializer is initializers.Identity
    assert initializers.OrthogonalInitializer is initializers.Orthogonal
    assert initializers.zeros is initializers.Zeros
    assert initializers.variance_scaling is initializers.VarianceScaling


# ---------------------------------------------------------------- argument checks


def test_variance_scaling_validation():
    with pytest.raises(
        ValueError, match="Argument `scale` must be positive float. Received: scale=0"
    ):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument: fan_sideways"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="Invalid `distribution` argument: cauchy"):
        initializers.VarianceScaling(distribution="cauchy")
    assert initializers.VarianceScaling(distribution="Normal").distribution == "truncated_normal"


@pytest.mark.parametrize("cls", [initializers.RandomNormal, initializers.TruncatedNormal])
def test_negative_stddev_rejected(cls):
    with pytest.raises(ValueError, match="Argument `stddev` must be a non-negative float"):
        cls(stddev=-1.0)


@pytest.mark.parametrize("seed", ["3", 1.5, [1]])
def test_bad_seed_rejected(seed):
    with pytest.raises(ValueError, match="`seed` argument should be an integer"):
        initializers.RandomNormal(seed=seed)


def test_shape_errors_match_keras():
    with pytest.raises(ValueError, match=r"Identity matrix initializer can only be used for 2D"):
        initializers.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="must be at least two-dimensional"):
        initializers.Orthogonal()((4,))
    with pytest.raises(ValueError, match="only creates floating-point tensors"):
        initializers.GlorotUniform()((2, 2), dtype="int32")
    with pytest.raises(ValueError, match="not fully defined"):
        initializers.Zeros()((None, 2))


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("name", ["Zeros", "Ones", "Constant", "Identity"])
@pytest.mark.parametrize("dtype", [None, "float64", "int32"])
def test_constant_initializers_match_keras(name, dtype):
    kwargs = NON_DEFAULT_ARGS[name]
    shape = (3, 4)
    ours = getattr(initializers, name)(**kwargs)(shape, dtype=dtype)
    theirs = getattr(keras.initializers, name)(**kwargs)(shape, dtype=dtype)
    assert ours.dtype == backend_config.to_torch_dtype(dtype)
    np.testing.assert_array_equal(_np(ours), keras.ops.convert_to_numpy(theirs))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
@pytest.mark.parametrize("shape", [(5, 4), (3, 3, 4, 6)])
def test_seeded_values_equal_keras(name, shape):
    # Same int seed, same torch generator: the same numbers as Keras 3 on the CPU.
    kwargs = dict(NON_DEFAULT_ARGS[name])
    kwargs.pop("input_axes", None)
    kwargs.pop("output_axes", None)
    ours = getattr(initializers, name)(**kwargs)(shape)
    theirs = getattr(keras.initializers, name)(**kwargs)(shape)
    np.testing.assert_allclose(_np(ours), keras.ops.convert_to_numpy(theirs), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_int_seed_repeats_and_none_seed_follows_torch_rng(name):
    cls = getattr(initializers, name)
    seeded = cls(seed=3)
    assert torch.equal(seeded((4, 5)), seeded((4, 5)))
    assert not torch.equal(cls(seed=3)((4, 5)), cls(seed=4)((4, 5)))

    unseeded = cls()
    torch.manual_seed(123)
    a = unseeded((4, 5))
    b = unseeded((4, 5))
    torch.manual_seed(123)
    c = unseeded((4, 5))
    assert not torch.equal(a, b)  # successive calls differ
    assert torch.equal(a, c)  # torch.manual_seed reproduces them


def test_random_normal_and_uniform_statistics():
    x = initializers.RandomNormal(mean=1.5, stddev=0.5, seed=1)((400, 500))
    assert abs(x.mean().item() - 1.5) < 0.01
    assert abs(x.std().item() - 0.5) < 0.01
    u = initializers.RandomUniform(minval=-3.0, maxval=1.0, seed=1)((400, 500))
    assert u.min().item() >= -3.0 and u.max().item() < 1.0
    assert abs(u.mean().item() - (-1.0)) < 0.02
    assert abs(u.std().item() - 4.0 / math.sqrt(12)) < 0.01


def test_truncated_normal_statistics_and_bounds():
    mean, stddev = 2.0, 3.0
    x = initializers.TruncatedNormal(mean=mean, stddev=stddev, seed=2)((1000, 1000))
    assert x.min().item() >= mean - 2 * stddev
    assert x.max().item() <= mean + 2 * stddev
    assert abs(x.mean().item() - mean) < 0.02
    # std of a unit normal truncated to [-2, 2]
    assert abs(x.std().item() - 0.87962566 * stddev) < 0.02


@pytest.mark.parametrize(
    "shape, fans",
    [
        ((30, 40), (30, 40)),
        ((3, 3, 16, 32), (144, 288)),
        ((5, 7, 20), (35, 100)),
        ((50,), (50, 50)),
    ],
)
def test_compute_fans_matches_keras(shape, fans):
    from keras.src.initializers.random_initializers import compute_fans

    assert initializers.compute_fans(shape) == fans == compute_fans(shape)
    assert initializers.compute_fans((3, 4, 5), [0, 1], [2]) == compute_fans((3, 4, 5), [0, 1], [2])


@pytest.mark.parametrize("shape", [(200, 300), (3, 3, 32, 64)])
@pytest.mark.parametrize(
    "name, scale, mode",
    [
        ("GlorotUniform", 1.0, "fan_avg"),
        ("HeUniform", 2.0, "fan_in"),
        ("LecunUniform", 1.0, "fan_in"),
    ],
)
def test_uniform_variance_scaling_limits(shape, name, scale, mode):
    fan_in, fan_out = initializers.compute_fans(shape)
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    limit = math.sqrt(3 * scale / n)
    x = getattr(initializers, name)(seed=0)(shape)
    assert x.abs().max().item() <= limit
    assert x.abs().max().item() > 0.99 * limit
    assert abs(x.std().item() - limit / math.sqrt(3)) < 0.02 * limit


@pytest.mark.parametrize("shape", [(200, 300), (3, 3, 32, 64)])
@pytest.mark.parametrize(
    "name, scale, mode",
    [
        ("GlorotNormal", 1.0, "fan_avg"),
        ("HeNormal", 2.0, "fan_in"),
        ("LecunNormal", 1.0, "fan_in"),
    ],
)
def test_truncated_variance_scaling_stddev(shape, name, scale, mode):
    fan_in, fan_out = initializers.compute_fans(shape)
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    target = math.sqrt(scale / n)  # the stddev after truncation
    x = getattr(initializers, name)(seed=0)(shape)
    assert abs(x.std().item() - target) < 0.02 * target
    assert x.abs().max().item() <= 2 * target / 0.87962566103423978 * (1 + 1e-6)


def test_variance_scaling_fan_out_and_untruncated():
    x = initializers.VarianceScaling(
        scale=4.0, mode="fan_out", distribution="untruncated_normal", seed=0
    )((100, 400))
    assert abs(x.std().item() - math.sqrt(4.0 / 400)) < 0.002
    assert x.abs().max().item() > 3 * math.sqrt(4.0 / 400)  # not truncated


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 3, 2, 5)])
def test_orthogonal(shape):
    gain = 1.5
    q = initializers.Orthogonal(gain=gain, seed=0)(shape, dtype="float64")
    assert q.shape == shape and q.dtype == torch.float64
    m = q.reshape(-1, shape[-1]) / gain
    if m.shape[0] >= m.shape[1]:
        gram, size = m.T @ m, m.shape[1]
    else:
        gram, size = m @ m.T, m.shape[0]
    torch.testing.assert_close(gram, torch.eye(size, dtype=torch.float64))


def test_half_precision_dtypes():
    for name in RANDOM_CLASSES:
        x = getattr(initializers, name)(seed=0)((8, 8), dtype="bfloat16")
        assert x.dtype == torch.bfloat16 and torch.isfinite(x.float()).all()
    assert initializers.Orthogonal()((4, 4), dtype="float16").dtype == torch.float16


# ---------------------------------------------------------------- devices


@pytest.mark.parametrize("name", ALL_CLASSES)
def test_meta_device(name):
    kwargs = NON_DEFAULT_ARGS[name]
    init = getattr(initializers, name)(**kwargs)
    shape = (4, 4) if name == "Identity" else (3, 4, 5)
    if name == "VarianceScaling":
        shape = (3, 4, 5)
    with torch.device("meta"):
        x = init(shape)
    assert x.device.type == "meta"
    assert tuple(x.shape) == shape


@pytest.mark.parametrize("name", ["GlorotUniform", "Zeros", "Orthogonal", "TruncatedNormal"])
def test_default_device_is_used(name):
    # The default device decides where the tensor lives (checked with `cpu` here;
    # the same path serves `cuda` when available).
    init = getattr(initializers, name)(seed=1) if name != "Zeros" else initializers.Zeros()
    with torch.device("cpu"):
        assert init((4, 4)).device == torch.device("cpu")
    if torch.cuda.is_available():
        with torch.device("cuda"):
            assert init((4, 4)).device.type == "cuda"
