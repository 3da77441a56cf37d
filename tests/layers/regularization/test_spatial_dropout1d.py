import numpy as np
import pytest
import torch

from kshim.layers import SpatialDropout1D


@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.3, "seed": 7}])
def test_gate(gate, kwargs):
    gate(SpatialDropout1D, kwargs, (2, 5, 4))


@pytest.mark.parametrize("seed", [None, 7])
def test_drops_whole_channels(check_spatial_dropout, seed):
    check_spatial_dropout(SpatialDropout1D(0.4, seed=seed), (64, 6, 32), 2, 0.4)


def test_seed_reproduces_and_advances():
    x = torch.ones(8, 3, 16)
    a, b = SpatialDropout1D(0.5, seed=3), SpatialDropout1D(0.5, seed=3)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_rate_edges():
    x = torch.randn(2, 5, 4)
    assert torch.equal(SpatialDropout1D(0.0)(x, training=True), x)
    assert torch.equal(SpatialDropout1D(1.0)(x, training=True), torch.zeros_like(x))


@pytest.mark.parity
@pytest.mark.parametrize("kwargs", [{"rate": 0.5}, {"rate": 0.2, "seed": 1}])
def test_keras_config_and_inference(keras, same_config, rng, kwargs):
    ours, theirs = same_config(keras, SpatialDropout1D, kwargs)
    x = rng.standard_normal((2, 5, 4)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_array_equal(ours(torch.from_numpy(x), training=False), want)


@pytest.mark.parity
def test_bad_inputs(keras, same_input_error):
    same_input_error(keras, SpatialDropout1D, {"rate": 0.5}, np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="rate"):
        SpatialDropout1D(1.5)
    with pytest.raises(ValueError, match="rate"):
        SpatialDropout1D("half")
