"""ReLU: harness, Keras parity, config and argument checks."""

import numpy as np
import pytest

from kshim.layers import ReLU
from kshim.testing import assert_keras_parity

CASES = [
    {},
    {"max_value": 6.0},
    {"max_value": 1.0},
    {"negative_slope": 0.1},
    {"threshold": 0.5},
    {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5},
]


@pytest.mark.parametrize("kwargs", CASES[::2])
def test_layer(layer_test, kwargs):
    layer_test(
        ReLU,
        kwargs,
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs", CASES)
def test_keras_parity(keras, kwargs):
    x = np.linspace(-8, 8, 33, dtype="float32").reshape(3, 11)
    ours, theirs = ReLU(**kwargs, name="r"), keras.layers.ReLU(**kwargs, name="r")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"max_value": -1.0}, "max_value"),
        ({"negative_slope": -0.1}, "negative_slope"),
        ({"negative_slope": None}, "negative_slope"),
        ({"threshold": -1.0}, "threshold"),
    ],
)
def test_invalid_arguments(keras, kwargs, name):
    with pytest.raises(ValueError, match=f"{name}") as ours:
        ReLU(**kwargs)
    with pytest.raises(ValueError) as theirs:
        keras.layers.ReLU(**kwargs)
    assert str(ours.value).split("Received:")[1] == str(theirs.value).split("Received:")[1]
