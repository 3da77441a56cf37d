"""LeakyReLU: harness, Keras parity (default slope 0.3), config and argument checks."""

import numpy as np
import pytest

from kshim.layers import LeakyReLU
from kshim.testing import assert_keras_parity


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.05}])
def test_layer(layer_test, kwargs):
    layer_test(
        LeakyReLU,
        kwargs,
        input_shape=(2, 3),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.05}, {"negative_slope": 0}])
def test_keras_parity(keras, kwargs):
    x = np.linspace(-3, 3, 12, dtype="float32").reshape(2, 6)
    ours, theirs = LeakyReLU(**kwargs, name="l"), keras.layers.LeakyReLU(**kwargs, name="l")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()
    assert LeakyReLU().negative_slope == 0.3


def test_deprecated_alpha():
    with pytest.warns(UserWarning, match="`alpha` is deprecated"):
        layer = LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1


@pytest.mark.parametrize("value", [-0.1, None])
def test_invalid_slope(value):
    with pytest.raises(ValueError, match=f"Received: negative_slope={value}"):
        LeakyReLU(negative_slope=value)
