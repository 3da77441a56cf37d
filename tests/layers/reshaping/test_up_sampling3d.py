"""``UpSampling3D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import UpSampling3D

CASES = [
    ({}, (1, 2, 3, 2, 2), (1, 4, 6, 4, 2)),
    ({"size": (1, 2, 3), "data_format": "channels_first"}, (1, 2, 2, 3, 2), (1, 2, 2, 6, 6)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(UpSampling3D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, UpSampling3D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, UpSampling3D, {}, np.zeros((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"size": 0}, "size"),
        ({"size": (1, 2)}, "size"),
        ({"data_format": "ndhwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        UpSampling3D(**kwargs)
