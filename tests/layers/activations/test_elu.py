"""ELU: harness, Keras parity and config."""

import numpy as np
import pytest

from kshim.layers import ELU
from kshim.testing import assert_keras_parity


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}])
def test_layer(layer_test, kwargs):
    layer_test(
        ELU,
        kwargs,
        input_shape=(2, 3),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}, {"alpha": 2.0}])
def test_keras_parity(keras, kwargs):
    x = np.linspace(-4, 4, 12, dtype="float32").reshape(3, 4)
    ours, theirs = ELU(**kwargs, name="e"), keras.layers.ELU(**kwargs, name="e")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


def test_invalid_alpha():
    with pytest.raises(ValueError, match="`alpha`.*Received: alpha=a"):
        ELU(alpha="a")
