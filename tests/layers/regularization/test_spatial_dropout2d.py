import numpy as np
import pytest
import torch

from kshim.layers import SpatialDropout2D


@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({"rate": 0.5}, (2, 3, 3, 4)),
        ({"rate": 0.5, "data_format": "channels_first"}, (2, 4, 3, 3)),
        ({"rate": 0.3, "seed": 7}, (2, 3, 3, 4)),
    ],
)
def test_gate(gate, kwargs, shape):
    gate(SpatialDropout2D, kwargs, shape)


@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize(
    "data_format, shape, channel_axis",
    [("channels_last", (32, 3, 3, 64), 3), ("channels_first", (32, 64, 3, 3), 1)],
)
def test_drops_whole_channels(check_spatial_dropout, seed, data_format, shape, channel_axis):
    layer = SpatialDropout2D(0.4, data_format=data_format, seed=seed)
    check_spatial_dropout(layer, shape, channel_axis, 0.4)


def test_seed_reproduces_and_advances():
    x = torch.ones((32, 3, 3, 64))
    a, b = SpatialDropout2D(0.5, seed=3), SpatialDropout2D(0.5, seed=3)
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))


def test_rate_edges():
    x = torch.randn((2, 3, 3, 4))
    assert torch.equal(SpatialDropout2D(0.0)(x, training=True), x)
    assert torch.equal(SpatialDropout2D(1.0)(x, training=True), torch.zeros_like(x))


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs", [{"rate": 0.5}, {"rate": 0.2, "seed": 1, "data_format": "channels_first"}]
)
def test_keras_config_and_inference(keras, same_config, rng, kwargs):
    ours, theirs = same_config(keras, SpatialDropout2D, kwargs)
    x = rng.standard_normal((2, 3, 3, 4)).astype("float32")
    want = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_array_equal(ours(torch.from_numpy(x), training=False), want)


@pytest.mark.parity
def test_bad_inputs(keras, same_input_error):
    same_input_error(keras, SpatialDropout2D, {"rate": 0.5}, np.zeros((2, 4, 4), "float32"))
    with pytest.raises(ValueError, match="rate"):
        SpatialDropout2D(-0.1)
    with pytest.raises(ValueError, match="data_format"):
        SpatialDropout2D(0.5, data_format="channels_middle")
