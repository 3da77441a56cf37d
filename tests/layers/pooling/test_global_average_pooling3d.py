"""``GlobalAveragePooling3D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import GlobalAveragePooling3D

CASES = [
    ({}, (2, 3, 4, 2, 3), (2, 3)),
    ({"data_format": "channels_first"}, (2, 3, 3, 4, 2), (2, 3)),
    ({"keepdims": True}, (2, 3, 4, 2, 3), (2, 1, 1, 1, 3)),
    ({"keepdims": True, "data_format": "channels_first"}, (2, 3, 3, 4, 2), (2, 3, 1, 1, 1)),
]
IDS = ["last", "first", "last-keepdims", "first-keepdims"]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(GlobalAveragePooling3D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, GlobalAveragePooling3D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, GlobalAveragePooling3D, {}, np.zeros((2, 3, 4, 5), "float32"))


def test_invalid_data_format():
    with pytest.raises(ValueError, match="`data_format`"):
        GlobalAveragePooling3D(data_format="nhwc")


def test_integer_inputs_are_averaged_in_float32():
    x = torch.arange(2 * 3 * 4 * 2 * 3).reshape(2, 3, 4, 2, 3)
    y = GlobalAveragePooling3D()(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, x.float().mean(dim=(1, 2, 3)))
