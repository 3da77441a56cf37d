"""``Cropping2D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import Cropping2D

CASES = [
    ({}, (2, 3, 4, 2), (2, 3, 4, 2)),
    ({"cropping": ((1, 0), (0, 2))}, (2, 3, 4, 2), (2, 2, 2, 2)),
    ({"cropping": 1, "data_format": "channels_first"}, (2, 2, 4, 5), (2, 2, 2, 3)),
    ({"cropping": (1, (0, 1))}, (2, 4, 4, 1), (2, 2, 3, 1)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(Cropping2D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, Cropping2D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, Cropping2D, {}, np.zeros((2, 3, 4), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"cropping": -1}, "cropping"),
        ({"cropping": (1, 2, 3)}, "cropping"),
        ({"cropping": ((1, 2, 3), 1)}, "1st entry of cropping"),
        ({"cropping": "a"}, "cropping"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        Cropping2D(**kwargs)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cropping_everything_raises(data_format):
    layer = Cropping2D((1, (2, 2)), data_format=data_format)
    shape = (1, 4, 4, 1) if data_format == "channels_last" else (1, 1, 4, 4)
    with pytest.raises(ValueError, match="`cropping`"):
        layer(torch.ones(shape))
    with pytest.raises(ValueError, match="`cropping`"):
        layer.compute_output_shape(shape)
