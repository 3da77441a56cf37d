"""``RepeatVector``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import RepeatVector

CASES = [
    ({"n": 3}, (2, 4), (2, 3, 4)),
    ({"n": 1}, (2, 5), (2, 1, 5)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(RepeatVector, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, RepeatVector, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, RepeatVector, {"n": 2}, np.zeros((2, 3, 4), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [({"n": 0}, "n"), ({"n": -2}, "n")],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        RepeatVector(**kwargs)


@pytest.mark.parametrize("n", ["3", 2.0, True])
def test_non_integer_n_raises_type_error_as_keras(n):
    with pytest.raises(TypeError, match="`n`"):
        RepeatVector(n)


def test_gradient_sums_over_the_repeats():
    x = torch.randn(2, 4, requires_grad=True)
    RepeatVector(3)(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.full((2, 4), 3.0))
