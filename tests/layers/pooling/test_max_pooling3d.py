"""``MaxPooling3D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import MaxPooling3D

CASES = [
    ({"pool_size": 2}, (2, 4, 4, 4, 2), (2, 2, 2, 2, 2)),
    (
        {"pool_size": (2, 3, 2), "strides": (1, 2, 2), "padding": "same"},
        (1, 3, 5, 4, 2),
        (1, 3, 3, 2, 2),
    ),
    (
        {"pool_size": 3, "strides": 1, "padding": "same", "data_format": "channels_first"},
        (1, 2, 3, 4, 5),
        (1, 2, 3, 4, 5),
    ),
    (
        {"pool_size": 2, "strides": 1, "data_format": "channels_first"},
        (1, 2, 3, 3, 3),
        (1, 2, 2, 2, 2),
    ),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(MaxPooling3D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, MaxPooling3D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, MaxPooling3D, {}, np.zeros((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": "2"}, "pool_size"),
        ({"pool_size": (2, 2, 2, 2)}, "pool_size"),
        ({"strides": -1}, "strides"),
        ({"padding": "full"}, "padding"),
        ({"padding": None}, "padding"),
        ({"data_format": "nhwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        MaxPooling3D(**kwargs)
