import numpy as np
import pytest
import torch

from kshim.layers import GaussianNoise


@pytest.mark.parametrize("kwargs", [{"stddev": 0.5}, {"stddev": 0.2, "seed": 3}])
def test_gate(gate, kwargs):
    gate(GaussianNoise, kwargs, (2, 5))


@pytest.mark.parametrize("seed", [None, 11])
def test_noise_statistics(seed):
    layer = GaussianNoise(0.3, seed=seed)
    x = torch.randn(200, 100)
    assert layer(x) is x  # inference: the input itself
    noise = layer(x, training=True) - x
    assert abs(float(noise.mean())) < 0.01
    assert abs(float(noise.std()) - 0.3) < 0.01


def test_seed_reproduces_and_advances():
    x = torch.zeros(4, 8)
    a, b = GaussianNoise(0.5, seed=3), GaussianNoise(0.5, seed=3)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_zero_stddev_and_dtype():
    x = torch.randn(3, 4)
    assert torch.equal(GaussianNoise(0.0)(x, training=True), x)
    y = GaussianNoise(0.1, dtype="float64")(torch.zeros(3, 4, dtype=torch.float64), training=True)
    assert y.dtype == torch.float64


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{"stddev": 0.5}, {"stddev": 0.1, "seed": 4}])
def test_keras_config_and_inference(keras, same_config, rng, kwargs):
    ours, theirs = same_config(keras, GaussianNoise, kwargs)
    x = rng.standard_normal((2, 5)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_array_equal(ours(torch.from_numpy(x), training=False), want)


@pytest.mark.parametrize("stddev", [1.5, -0.1, "wide", None])
def test_invalid_stddev(stddev):
    with pytest.raises(ValueError, match="stddev"):
        GaussianNoise(stddev)
