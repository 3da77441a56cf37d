"""``Flatten``: the layer gate and Keras parity over a small table."""

import pytest
import torch

from kshim.layers import Flatten

CASES = [
    ({}, (2, 3, 4), (2, 12)),
    ({"data_format": "channels_first"}, (2, 3, 4, 5), (2, 60)),
    ({"data_format": "channels_first"}, (2, 3, 4), (2, 12)),
    ({}, (2, 4), (2, 4)),
    ({}, (3,), (3, 1)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(Flatten, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, Flatten, kwargs, x)
    assert out.shape == expected


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"data_format": "nchw"}, "data_format")],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        Flatten(**kwargs)


def test_channels_first_orders_features_as_channels_last():
    x = torch.randn(2, 3, 4, 5)
    y = Flatten(data_format="channels_first")(x)
    torch.testing.assert_close(y, Flatten()(x.permute(0, 2, 3, 1)), atol=0, rtol=0)


def test_unknown_axes_give_an_unknown_feature_count():
    assert Flatten().compute_output_shape((None, 3, None)) == (None, None)
