"""CenterCrop: harness, Keras parity (crop and the smaller-image resize path, data formats,
unbatched images, integer inputs), config and errors."""

import numpy as np
import pytest
import torch

from kshim.layers import CenterCrop
from kshim.testing import assert_keras_parity

CASES = [
    ({"height": 4, "width": 6}, (2, 8, 8, 3), (2, 4, 6, 3)),
    ({"height": 3, "width": 3}, (2, 6, 7, 2), (2, 3, 3, 2)),
    ({"height": 4, "width": 5, "data_format": "channels_first"}, (2, 3, 8, 9), (2, 3, 4, 5)),
    ({"height": 9, "width": 5}, (2, 6, 8, 3), (2, 9, 5, 3)),  # smaller: crop + resize
    ({"height": 4, "width": 4}, (7, 6, 3), (4, 4, 3)),
    ({"height": 12, "width": 12, "data_format": "channels_first"}, (3, 7, 9), (3, 12, 12)),
]


@pytest.mark.parametrize("kwargs, shape, out_shape", [c for c in CASES[::2] if len(c[1]) == 4])
def test_layer(layer_test, kwargs, shape, out_shape):
    layer_test(
        CenterCrop,
        kwargs,
        input_shape=shape,
        expected_output_shape=out_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs, shape, out_shape", CASES)
@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_keras_parity(keras, kwargs, shape, out_shape, dtype):
    x = np.random.default_rng(0).uniform(0, 255, shape).astype(dtype)
    ours, theirs = CenterCrop(**kwargs, name="c"), keras.layers.CenterCrop(**kwargs, name="c")
    out, _ = assert_keras_parity(ours, theirs, x, atol=1e-4)
    assert out.shape == out_shape and out.dtype == np.float32
    assert ours.get_config() == theirs.get_config()
    assert ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)


def test_crop_is_a_view():
    x = torch.rand(2, 8, 8, 3)
    out = CenterCrop(4, 4)(x)
    assert out.data_ptr() != 0 and out._base is x


def test_errors():
    with pytest.raises(ValueError, match="`width`.*Received: width=-1"):
        CenterCrop(2, -1)
    with pytest.raises(ValueError, match=r"rank 3 \(single image\) or 4"):
        CenterCrop(2, 2)(torch.zeros(2, 3, 4, 5, 6))
    with pytest.raises(ValueError, match="dict inputs"):
        CenterCrop(2, 2)({"images": torch.zeros(1, 4, 4, 3)})
