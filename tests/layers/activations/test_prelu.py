"""PReLU: harness, Keras parity (weights of Keras' shape), config and input checks."""

import numpy as np
import pytest
import torch

from kshim.layers import PReLU
from kshim.testing import assert_keras_parity

CASES = [
    ({}, (2, 3, 4), (3, 4)),
    ({"shared_axes": [1]}, (2, 3, 4), (1, 4)),
    ({"shared_axes": [1, 2], "alpha_initializer": "ones"}, (2, 5, 6, 3), (1, 1, 3)),
    ({"shared_axes": 2}, (2, 3, 4), (3, 1)),
]


@pytest.mark.parametrize("kwargs, shape, alpha_shape", CASES)
def test_layer(layer_test, kwargs, shape, alpha_shape):
    layer = layer_test(
        PReLU,
        kwargs,
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
        expected_weight_names=["alpha"],
        supports_masking=True,
    )
    assert tuple(layer.alpha.shape) == alpha_shape


@pytest.mark.parametrize("kwargs, shape, alpha_shape", CASES)
def test_keras_parity(keras, kwargs, shape, alpha_shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    kwargs = {"alpha_initializer": "random_uniform", **kwargs}
    ours, theirs = PReLU(**kwargs, name="p"), keras.layers.PReLU(**kwargs, name="p")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


def test_input_spec_checks_unshared_axes(keras):
    layer = PReLU(shared_axes=[1], name="p")
    layer(torch.zeros(2, 3, 4))
    layer(torch.zeros(2, 7, 4))  # the shared axis may change
    with pytest.raises(ValueError, match="expected axis 2 of input shape to have value 4"):
        layer(torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(torch.zeros(2, 4))


def test_invalid_shared_axes():
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU(shared_axes=[3]).build((2, 3, 4))
