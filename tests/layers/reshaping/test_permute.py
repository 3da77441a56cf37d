"""``Permute``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import Permute

CASES = [
    ({"dims": (2, 1)}, (2, 3, 4), (2, 4, 3)),
    ({"dims": (3, 1, 2)}, (2, 3, 4, 5), (2, 5, 3, 4)),
    ({"dims": [1, 2]}, (2, 3, 4), (2, 3, 4)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(Permute, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, Permute, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, Permute, {"dims": (2, 1)}, np.zeros((2, 3), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"dims": (1, 3)}, "dims"),
        ({"dims": (0, 1)}, "dims"),
        ({"dims": (1, 1)}, "dims"),
        ({"dims": 2}, "dims"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        Permute(**kwargs)


def test_output_is_a_view():
    x = torch.randn(2, 3, 4)
    assert Permute((2, 1))(x).data_ptr() == x.data_ptr()
