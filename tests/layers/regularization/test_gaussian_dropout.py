import math

import numpy as np
import pytest
import torch

from kshim.layers import GaussianDropout


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.2, "seed": 3}])
def test_gate(gate, kwargs):
    gate(GaussianDropout, kwargs, (2, 5))


@pytest.mark.parametrize("seed", [None, 11])
def test_noise_statistics(seed):
    layer = GaussianDropout(0.3, seed=seed)
    x = torch.full((200, 100), 2.0)
    assert layer(x) is x  # inference: the input itself
    factor = layer(x, training=True) / x
    assert abs(float(factor.mean()) - 1.0) < 0.01
    assert abs(float(factor.std()) - math.sqrt(0.3 / 0.7)) < 0.01


def test_seed_reproduces_and_advances():
    x = torch.ones(4, 8)
    a, b = GaussianDropout(0.5, seed=3), GaussianDropout(0.5, seed=3)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_rate_edges():
    x = torch.randn(3, 4)
    assert torch.equal(GaussianDropout(0.0)(x, training=True), x)
    layer = GaussianDropout(1.0)  # accepted, as in Keras: usable in inference only
    assert layer(x) is x
    with pytest.raises(ValueError, match="rate=1"):
        layer(x, training=True)


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.1, "seed": 4}])
def test_keras_config_and_inference(keras, same_config, rng, kwargs):
    ours, theirs = same_config(keras, GaussianDropout, kwargs)
    x = rng.standard_normal((2, 5)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_array_equal(ours(torch.from_numpy(x), training=False), want)


@pytest.mark.parametrize("rate", [1.5, -0.1, "half", True])
def test_invalid_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        GaussianDropout(rate)
