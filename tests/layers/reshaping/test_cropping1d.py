"""``Cropping1D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import Cropping1D

CASES = [
    ({}, (2, 5, 3), (2, 3, 3)),
    ({"cropping": (0, 2)}, (2, 5, 3), (2, 3, 3)),
    ({"cropping": (2, 0)}, (2, 5, 3), (2, 3, 3)),
    ({"cropping": 0}, (2, 5, 3), (2, 5, 3)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(Cropping1D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, Cropping1D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, Cropping1D, {}, np.zeros((2, 5), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"cropping": -1}, "cropping"),
        ({"cropping": (1, 2, 3)}, "cropping"),
        ({"cropping": "a"}, "cropping"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        Cropping1D(**kwargs)


def test_cropping_everything_raises():
    with pytest.raises(ValueError, match="`cropping`"):
        Cropping1D((2, 1))(torch.ones(2, 3, 1))
    with pytest.raises(ValueError, match="`cropping`"):
        Cropping1D((2, 1)).compute_output_shape((2, 3, 1))
    assert Cropping1D((2, 1)).compute_output_shape((2, None, 1)) == (2, None, 1)


def test_output_is_a_view():
    x = torch.randn(2, 5, 3)
    assert Cropping1D((0, 1))(x).data_ptr() == x.data_ptr()
