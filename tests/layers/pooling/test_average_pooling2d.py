"""``AveragePooling2D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import AveragePooling2D

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
    gate(AveragePooling2D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, AveragePooling2D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, AveragePooling2D, {"pool_size": 2}, np.zeros((2, 3, 4), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": "2"}, "pool_size"),
        ({"pool_size": (2, 2, 2)}, "pool_size"),
        ({"pool_size": 2, "strides": -1}, "strides"),
        ({"pool_size": 2, "padding": "full"}, "padding"),
        ({"pool_size": 2, "padding": None}, "padding"),
        ({"pool_size": 2, "data_format": "nhwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        AveragePooling2D(**kwargs)
