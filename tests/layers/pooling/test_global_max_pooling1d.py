"""``GlobalMaxPooling1D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest

from kshim.layers import GlobalMaxPooling1D

CASES = [
    ({}, (2, 5, 3), (2, 3)),
    ({"data_format": "channels_first"}, (2, 3, 5), (2, 3)),
    ({"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    ({"keepdims": True, "data_format": "channels_first"}, (2, 3, 5), (2, 3, 1)),
]
IDS = ["last", "first", "last-keepdims", "first-keepdims"]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(GlobalMaxPooling1D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, GlobalMaxPooling1D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, GlobalMaxPooling1D, {}, np.zeros((2, 3), "float32"))


def test_invalid_data_format():
    with pytest.raises(ValueError, match="`data_format`"):
        GlobalMaxPooling1D(data_format="nhwc")
