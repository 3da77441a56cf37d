"""Rescaling: harness, Keras parity (numbers, arrays, uint8 inputs), config round trip."""

import numpy as np
import pytest
import torch

from kshim.layers import Rescaling
from kshim.testing import assert_keras_parity

CASES = [
    {"scale": 1 / 255.0},
    {"scale": 1 / 127.5, "offset": -1.0},
    {"scale": np.array([0.5, 2.0, 1.0], dtype="float32"), "offset": np.array([1.0, 0.0, -1.0])},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_layer(layer_test, kwargs):
    layer_test(
        Rescaling,
        kwargs,
        input_shape=(2, 4, 4, 3),
        expected_output_shape=(2, 4, 4, 3),
        expected_output_dtype="float32",
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs", CASES)
@pytest.mark.parametrize("dtype", ["float32", "uint8", "float64"])
def test_keras_parity(keras, kwargs, dtype):
    x = np.random.default_rng(0).integers(0, 256, (2, 3, 3, 3)).astype(dtype)
    ours, theirs = Rescaling(**kwargs, name="r"), keras.layers.Rescaling(**kwargs, name="r")
    out, _ = assert_keras_parity(ours, theirs, x)
    assert out.dtype == np.float32
    ours_cfg, theirs_cfg = ours.get_config(), theirs.get_config()
    assert ours_cfg == theirs_cfg
    revived = Rescaling.from_config(ours_cfg)
    torch.testing.assert_close(revived(torch.from_numpy(x)), torch.from_numpy(out))
    assert keras.layers.Rescaling.from_config(ours_cfg).get_config() == theirs_cfg


def test_invalid_scale():
    with pytest.raises(ValueError, match="`scale`.*Received: scale=None"):
        Rescaling(scale=None)


def test_keras_parity_channels_first_array_scale(keras):
    # With channels_first images, a per-channel scale is aligned with axis -3, as in Keras.
    import kshim

    scale = np.array([0.5, 2.0, 1.0], dtype="float32")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype("float32")
    before = keras.config.image_data_format(), kshim.config.image_data_format()
    keras.config.set_image_data_format("channels_first")
    kshim.config.set_image_data_format("channels_first")
    try:
        out, _ = assert_keras_parity(Rescaling(scale), keras.layers.Rescaling(scale), x)
    finally:
        keras.config.set_image_data_format(before[0])
        kshim.config.set_image_data_format(before[1])
    np.testing.assert_allclose(out[:, 1], x[:, 1] * 2.0)
