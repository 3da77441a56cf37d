"""``ZeroPadding3D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import ZeroPadding3D

CASES = [
    ({}, (1, 2, 3, 4, 2), (1, 4, 5, 6, 2)),
    ({"padding": ((0, 1), 2, (1, 0))}, (1, 2, 3, 4, 2), (1, 3, 7, 5, 2)),
    ({"padding": 1, "data_format": "channels_first"}, (1, 2, 2, 3, 4), (1, 2, 4, 5, 6)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(ZeroPadding3D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, ZeroPadding3D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, ZeroPadding3D, {}, np.zeros((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"padding": (1, 2)}, "padding"),
        ({"padding": (1, 1, (0, 1, 2))}, "3rd entry of padding"),
        ({"padding": -1}, "padding"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        ZeroPadding3D(**kwargs)
