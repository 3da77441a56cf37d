"""``UpSampling2D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import UpSampling2D

CASES = [
    ({}, (2, 3, 4, 2), (2, 6, 8, 2)),
    ({"size": (1, 3), "data_format": "channels_first"}, (2, 2, 3, 4), (2, 2, 3, 12)),
    ({"size": (2, 3), "interpolation": "bilinear"}, (2, 3, 4, 2), (2, 6, 12, 2)),
    (
        {"size": 3, "interpolation": "Bilinear", "data_format": "channels_first"},
        (2, 2, 3, 3),
        (2, 2, 9, 9),
    ),
    ({"size": 2, "interpolation": "bicubic"}, (1, 3, 3, 2), (1, 6, 6, 2)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(UpSampling2D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, UpSampling2D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, UpSampling2D, {}, np.zeros((2, 3, 4), "float32"))


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"size": 0}, "size"),
        ({"size": (1, 2, 3)}, "size"),
        ({"interpolation": "lanczos3"}, "interpolation"),
        ({"interpolation": "area"}, "interpolation"),
        ({"interpolation": None}, "interpolation"),
        ({"data_format": "nhwc"}, "data_format"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        UpSampling2D(**kwargs)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_integer_images_are_rounded_like_keras(keras, interpolation):
    x = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (1, 3, 4, 2)).astype("uint8"))
    ours = UpSampling2D(2, interpolation=interpolation)(x)
    theirs = keras.layers.UpSampling2D(2, interpolation=interpolation)(x)
    assert ours.dtype == torch.uint8
    torch.testing.assert_close(ours, theirs, atol=0, rtol=0)


def test_nearest_matches_torch_interpolate():
    x = torch.randn(2, 3, 4, 5)
    y = UpSampling2D((2, 3), data_format="channels_first")(x)
    ref = torch.nn.functional.interpolate(x, scale_factor=(2, 3), mode="nearest")
    torch.testing.assert_close(y, ref, atol=0, rtol=0)
