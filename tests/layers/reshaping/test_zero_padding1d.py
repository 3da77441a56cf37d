"""``ZeroPadding1D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import ZeroPadding1D

CASES = [
    ({}, (2, 3, 4), (2, 5, 4)),
    ({"padding": (0, 2)}, (2, 3, 4), (2, 5, 4)),
    ({"padding": (1, 2), "data_format": "channels_first"}, (2, 3, 4), (2, 3, 7)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(ZeroPadding1D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, ZeroPadding1D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, ZeroPadding1D, {}, np.zeros((2, 3), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"padding": -1}, "padding"),
        ({"padding": (1, 2, 3)}, "padding"),
        ({"padding": "a"}, "padding"),
        ({"data_format": "nwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        ZeroPadding1D(**kwargs)
