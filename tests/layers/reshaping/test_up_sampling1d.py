"""``UpSampling1D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import UpSampling1D

CASES = [
    ({}, (2, 3, 4), (2, 6, 4)),
    ({"size": 3}, (2, 3, 4), (2, 9, 4)),
    ({"size": 1}, (2, 3, 4), (2, 3, 4)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(UpSampling1D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, UpSampling1D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, UpSampling1D, {}, np.zeros((2, 3), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"size": 0}, "size"), ({"size": -1}, "size")],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        UpSampling1D(**kwargs)


@pytest.mark.parametrize("size", [(2,), "2", 2.0])
def test_non_integer_size_raises_type_error_as_keras(size):
    with pytest.raises(TypeError, match="`size`"):
        UpSampling1D(size)
