"""``MaxPooling2D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import MaxPooling2D

CASES = [
    ({"pool_size": 2}, (2, 4, 5, 3), (2, 2, 2, 3)),
    ({"pool_size": (2, 3), "strides": (1, 2), "padding": "same"}, (2, 5, 7, 3), (2, 5, 4, 3)),
    (
        {"pool_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"},
        (2, 3, 5, 6),
        (2, 3, 3, 3),
    ),
    ({"pool_size": 3, "strides": 1, "padding": "SAME"}, (1, 4, 4, 2), (1, 4, 4, 2)),
    (
        {"pool_size": (2, 2), "strides": 1, "data_format": "channels_first"},
        (2, 2, 3, 4),
        (2, 2, 2, 3),
    ),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(MaxPooling2D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, MaxPooling2D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, MaxPooling2D, {}, np.zeros((2, 3, 4), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": "2"}, "pool_size"),
        ({"pool_size": (2, 2, 2)}, "pool_size"),
        ({"strides": -1}, "strides"),
        ({"padding": "full"}, "padding"),
        ({"padding": None}, "padding"),
        ({"data_format": "nhwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        MaxPooling2D(**kwargs)


def test_channels_last_runs_on_a_view_and_returns_channels_last():
    x = torch.randn(2, 6, 6, 3)
    y = MaxPooling2D(2)(x)
    ref = torch.nn.functional.max_pool2d(x.permute(0, 3, 1, 2), 2).permute(0, 2, 3, 1)
    torch.testing.assert_close(y, ref, atol=0, rtol=0)


def test_compute_output_shape_keeps_unknown_axes_and_rejects_empty_output():
    layer = MaxPooling2D(3, padding="valid")
    assert layer.compute_output_shape((None, None, 7, 2)) == (None, None, 2, 2)
    with pytest.raises(ValueError, match="zero or negative"):
        layer.compute_output_shape((1, 2, 7, 2))
