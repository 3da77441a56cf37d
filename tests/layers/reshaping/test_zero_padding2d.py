"""``ZeroPadding2D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import ZeroPadding2D

CASES = [
    ({}, (2, 3, 4, 2), (2, 5, 6, 2)),
    ({"padding": ((0, 1), (2, 3))}, (2, 3, 4, 2), (2, 4, 9, 2)),
    ({"padding": (1, 2), "data_format": "channels_first"}, (2, 2, 3, 4), (2, 2, 5, 8)),
    ({"padding": 2}, (1, 2, 2, 1), (1, 6, 6, 1)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(ZeroPadding2D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, ZeroPadding2D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, ZeroPadding2D, {}, np.zeros((2, 3, 4), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"padding": (1, 2, 3)}, "padding"),
        ({"padding": ((1, 2, 3), 1)}, "1st entry of padding"),
        ({"padding": (1, (1, -1))}, "2nd entry of padding"),
        ({"padding": -1}, "padding"),
        ({"padding": "a"}, "padding"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        ZeroPadding2D(**kwargs)
