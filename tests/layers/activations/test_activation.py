"""Activation: harness, Keras parity and config."""

import numpy as np
import pytest

from kshim.layers import Activation
from kshim.testing import assert_keras_parity

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "gelu", "linear"]


@pytest.mark.parametrize("activation", ACTIVATIONS[:3])
def test_layer(layer_test, activation):
    layer_test(
        Activation,
        {"activation": activation},
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_keras_parity(keras, activation):
    x = np.random.default_rng(0).standard_normal((2, 5)).astype("float32")
    ours = Activation(activation, name="act")
    theirs = keras.layers.Activation(activation, name="act")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


def test_invalid_activation():
    with pytest.raises(ValueError, match="no_such_activation"):
        Activation("no_such_activation")
