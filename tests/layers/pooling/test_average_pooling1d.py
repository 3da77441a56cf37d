"""``AveragePooling1D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import AveragePooling1D

CASES = [
    ({"pool_size": 2}, (2, 6, 3), (2, 3, 3)),
    ({"pool_size": 3, "strides": 1, "padding": "same"}, (2, 5, 3), (2, 5, 3)),
    ({"pool_size": 2, "strides": 1, "padding": "same"}, (2, 5, 3), (2, 5, 3)),
    ({"pool_size": 2, "padding": "same"}, (2, 7, 3), (2, 4, 3)),
    (
        {"pool_size": 4, "strides": 3, "padding": "same", "data_format": "channels_first"},
        (2, 3, 7),
        (2, 3, 3),
    ),
    ({"pool_size": 3, "strides": 2, "data_format": "channels_first"}, (2, 3, 8), (2, 3, 3)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(AveragePooling1D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, AveragePooling1D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, AveragePooling1D, {"pool_size": 2}, np.zeros((2, 3), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"pool_size": 0}, "pool_size"),
        ({"pool_size": "2"}, "pool_size"),
        ({"pool_size": (2, 2)}, "pool_size"),
        ({"pool_size": 2, "strides": -1}, "strides"),
        ({"pool_size": 2, "padding": "full"}, "padding"),
        ({"pool_size": 2, "padding": None}, "padding"),
        ({"pool_size": 2, "data_format": "nhwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        AveragePooling1D(**kwargs)


def test_same_padding_border_averages_match_keras_torch():
    # Keras 3 on torch: a symmetric "same" padding averages only the real elements of
    # a border window; an asymmetric one replicates the border values first, so they
    # count (TensorFlow would give 2.0 first below; kshim matches Keras' torch numbers).
    x = torch.arange(1.0, 6.0).reshape(1, 5, 1)
    sym = AveragePooling1D(3, strides=1, padding="same")(x).flatten()
    torch.testing.assert_close(sym, torch.tensor([1.5, 2.0, 3.0, 4.0, 4.5]))
    asym = AveragePooling1D(4, strides=1, padding="same")(x).flatten()
    torch.testing.assert_close(asym, torch.tensor([1.75, 2.5, 3.5, 4.25, 4.75]))
