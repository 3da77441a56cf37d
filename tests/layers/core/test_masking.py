"""Masking: harness, Keras parity (outputs and masks), config."""

import numpy as np
import pytest
import torch

from kshim.layers import Masking
from kshim.testing import assert_keras_parity


@pytest.mark.parametrize("kwargs", [{}, {"mask_value": 1.5}])
def test_layer(layer_test, kwargs):
    layer_test(
        Masking,
        kwargs,
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


def _padded(value):
    x = np.random.default_rng(0).standard_normal((3, 4, 2)).astype("float32")
    x[0, 1] = value
    x[2, 3] = value
    x[1, 0, 0] = value  # one feature equal to the value is not enough
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_keras_parity(keras, mask_value):
    x = _padded(mask_value)
    ours = Masking(mask_value=mask_value, name="m")
    theirs = keras.layers.Masking(mask_value=mask_value, name="m")
    out, _ = assert_keras_parity(ours, theirs, x)
    assert (out[0, 1] == 0).all() and (out[2, 3] == 0).all()
    got = ours.compute_mask(torch.from_numpy(x)).numpy()
    want = keras.ops.convert_to_numpy(theirs.compute_mask(keras.ops.convert_to_tensor(x)))
    np.testing.assert_array_equal(got, want)
    assert got.tolist() == [[True, False, True, True], [True] * 4, [True, True, True, False]]
    assert ours.get_config() == theirs.get_config()


def test_array_mask_value():
    value = np.array([1.0, 2.0], dtype="float32")
    x = torch.tensor([[[1.0, 2.0], [1.0, 3.0]]])
    layer = Masking(mask_value=value)
    assert layer.compute_mask(x).tolist() == [[False, True]]
    assert layer(x).tolist() == [[[0.0, 0.0], [1.0, 3.0]]]
    revived = Masking.from_config(layer.get_config())
    assert revived(x).tolist() == [[[0.0, 0.0], [1.0, 3.0]]]
