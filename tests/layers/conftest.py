"""Fixtures shared by the layer families' tests: the layer gate, Keras parity, errors."""

import numpy as np
import pytest

from kshim.testing import keras_parity, run_layer_test, same_input_error


@pytest.fixture
def layer_test():
    """The shared layer gate, ``kshim.testing.run_layer_test``."""
    return run_layer_test


def weightless_gate(cls, init_kwargs, input_shape, expected_output_shape, **kwargs):
    """The gate for a layer without weights: also built at construction, as in Keras."""
    assert cls(**init_kwargs).built
    return run_layer_test(
        cls,
        init_kwargs,
        input_shape=input_shape,
        expected_output_shape=expected_output_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        **kwargs,
    )


@pytest.fixture
def gate():
    return weightless_gate


@pytest.fixture
def parity():
    return keras_parity


@pytest.fixture
def same_error():
    return same_input_error


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
