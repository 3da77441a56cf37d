import numpy as np
import pytest
import torch

from kshim.layers import AlphaDropout

_SELU_SAT = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"rate": 0.5}, (2, 5)),
        ({"rate": 0.2, "seed": 3}, (2, 5)),
        ({"rate": 0.3, "noise_shape": (None, 1, 4)}, (2, 3, 4)),
    ],
)
def test_gate(gate, kwargs, shape):
    gate(AlphaDropout, kwargs, shape)


def _constants(rate):
    a = ((1 - rate) * (1 + rate * _SELU_SAT**2)) ** -0.5
    return a, -a * _SELU_SAT * rate


@pytest.mark.parametrize("seed", [None, 11])
def test_keeps_mean_and_variance(seed):
    rate = 0.3
    layer = AlphaDropout(rate, seed=seed)
    x = torch.randn(200, 200)
    assert layer(x) is x  # inference: the input itself
    y = layer(x, training=True)
    a, b = _constants(rate)
    dropped = torch.isclose(y, torch.tensor(a * _SELU_SAT + b))
    assert abs(float(dropped.float().mean()) - rate) < 0.01
    torch.testing.assert_close(y[~dropped], x[~dropped] * a + b)  # kept: a * x + b
    assert abs(float(y.mean())) < 0.02  # the self-normalizing property
    assert abs(float(y.std()) - 1.0) < 0.02


def test_noise_shape_shares_the_mask():
    layer = AlphaDropout(0.5, noise_shape=[None, 1, 8])
    y = layer(torch.zeros(16, 5, 8), training=True)
    assert torch.equal(y, y[:, :1].expand_as(y))
    with pytest.raises(ValueError, match="noise_shape"):
        layer(torch.zeros(16, 8), training=True)


def test_seed_reproduces_and_advances():
    x = torch.randn(4, 8)
    a, b = AlphaDropout(0.5, seed=3), AlphaDropout(0.5, seed=3)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_rate_edges():
    x = torch.randn(3, 4)
    assert torch.equal(AlphaDropout(0.0)(x, training=True), x)
    layer = AlphaDropout(1.0)  # accepted, as in Keras: usable in inference only
    assert layer(x) is x
    with pytest.raises(ValueError, match="rate=1"):
        layer(x, training=True)


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs", [{"rate": 0.5}, {"rate": 0.1, "seed": 4, "noise_shape": [None, 1]}]
)
def test_keras_config_and_inference(keras, same_config, rng, kwargs):
    ours, theirs = same_config(keras, AlphaDropout, kwargs)
    x = rng.standard_normal((2, 5)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_array_equal(ours(torch.from_numpy(x), training=False), want)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"rate": 1.5}, "rate"),
        ({"rate": -0.5}, "rate"),
        ({"rate": None}, "rate"),
        ({"rate": 0.5, "noise_shape": "batch"}, "noise_shape"),
        ({"rate": 0.5, "noise_shape": (None, 0)}, "noise_shape"),
    ],
)
def test_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        AlphaDropout(**kwargs)
