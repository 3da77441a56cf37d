"""Resizing: harness, Keras parity (interpolations, aspect ratio, antialias, dtypes,
data formats, unbatched images), config and errors."""

import numpy as np
import pytest
import torch

from kshim.layers import Resizing
from kshim.testing import assert_keras_parity

CASES = [
    ({"height": 4, "width": 6}, (2, 8, 8, 3), (2, 4, 6, 3)),
    ({"height": 10, "width": 5, "interpolation": "nearest"}, (2, 7, 9, 3), (2, 10, 5, 3)),
    (
        {"height": 5, "width": 5, "interpolation": "bicubic", "antialias": True},
        (1, 12, 9, 2),
        (1, 5, 5, 2),
    ),
    ({"height": 4, "width": 4, "crop_to_aspect_ratio": True}, (2, 6, 10, 3), (2, 4, 4, 3)),
    (
        {"height": 4, "width": 8, "pad_to_aspect_ratio": True, "fill_value": 0.5},
        (2, 6, 7, 3),
        (2, 4, 8, 3),
    ),
    ({"height": 3, "width": 4, "data_format": "channels_first"}, (2, 3, 7, 9), (2, 3, 3, 4)),
    ({"height": 3, "width": 4, "antialias": True}, (7, 9, 3), (3, 4, 3)),
]


@pytest.mark.parametrize("kwargs, shape, out_shape", [c for c in CASES[::2] if len(c[1]) == 4])
def test_layer(layer_test, kwargs, shape, out_shape):
    layer_test(
        Resizing,
        kwargs,
        input_shape=shape,
        expected_output_shape=out_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs, shape, out_shape", CASES)
def test_keras_parity(keras, kwargs, shape, out_shape):
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    ours, theirs = Resizing(**kwargs, name="r"), keras.layers.Resizing(**kwargs, name="r")
    out, _ = assert_keras_parity(ours, theirs, x, atol=1e-4)
    assert out.shape == out_shape
    assert ours.get_config() == theirs.get_config()
    assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_keras_parity_uint8(keras, interpolation):
    x = np.random.default_rng(1).integers(0, 256, (2, 9, 7, 3)).astype("uint8")
    ours = Resizing(5, 11, interpolation=interpolation)
    theirs = keras.layers.Resizing(5, 11, interpolation=interpolation)
    out, want = assert_keras_parity(ours, theirs, x, atol=0)
    assert out.dtype == want.dtype == np.uint8


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Lanczos"):
        Resizing(2, 2, interpolation="lanczos3")
    with pytest.raises(ValueError, match="Received: interpolation=area"):
        Resizing(2, 2, interpolation="area")
    with pytest.raises(ValueError, match="Only one of `pad_to_aspect_ratio`"):
        Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="Received: fill_mode=reflect"):
        Resizing(2, 2, fill_mode="reflect")
    with pytest.raises(ValueError, match="`height`.*Received: height=0"):
        Resizing(0, 2)
    with pytest.raises(ValueError, match="data_format"):
        Resizing(2, 2, data_format="nhwc")
    with pytest.raises(ValueError, match=r"rank 3 \(single image\) or 4"):
        Resizing(2, 2)(torch.zeros(2, 3))
