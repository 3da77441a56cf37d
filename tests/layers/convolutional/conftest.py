"""Shared checks of the convolution tests: the layer gate, Keras parity and bad input."""

import functools

import pytest

from kshim.testing import keras_parity, run_layer_test


def _gate(cls, init_kwargs, input_shape, expected_output_shape, num_weights):
    """The shared layer gate (``run_layer_test``) on one configuration."""
    run_layer_test(
        cls,
        init_kwargs,
        input_shape=input_shape,
        expected_output_shape=expected_output_shape,
        expected_num_trainable_weights=num_weights,
        expected_num_non_trainable_weights=0,
    )


@pytest.fixture
def gate():
    return _gate


@pytest.fixture
def parity():
    # Convolutions sum many products: float32 rounding differs from Keras' at ~1e-6.
    return functools.partial(keras_parity, atol=1e-5, rtol=1e-5)
