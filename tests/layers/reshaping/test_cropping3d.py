"""``Cropping3D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import Cropping3D

CASES = [
    ({}, (1, 3, 4, 5, 2), (1, 1, 2, 3, 2)),
    ({"cropping": ((0, 1), 0, (2, 0))}, (1, 3, 4, 5, 2), (1, 2, 4, 3, 2)),
    (
        {"cropping": ((1, 0), (0, 1), 1), "data_format": "channels_first"},
        (1, 2, 3, 4, 5),
        (1, 2, 2, 3, 3),
    ),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(Cropping3D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, Cropping3D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, Cropping3D, {}, np.zeros((2, 3, 4, 5), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"cropping": -1}, "cropping"),
        ({"cropping": (1, 2)}, "cropping"),
        ({"cropping": (1, 1, (1, -1))}, "3rd entry of cropping"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        Cropping3D(**kwargs)


def test_cropping_everything_raises():
    with pytest.raises(ValueError, match="`cropping`"):
        Cropping3D(((0, 0), (0, 0), (1, 1)))(torch.ones(1, 3, 3, 2, 1))
