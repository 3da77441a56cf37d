"""Shared checks of the pooling tests: the layer gate and Keras parity."""

import numpy as np
import pytest

from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.testing import assert_keras_parity, run_layer_test


def _gate(cls, init_kwargs, input_shape, expected_output_shape, **kwargs):
    # Weightless: built at construction, as in Keras.
    assert cls(**init_kwargs).built
    run_layer_test(
        cls,
        init_kwargs,
        input_shape=input_shape,
        expected_output_shape=expected_output_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        **kwargs,
    )
    sym = symbolic_call(cls(**init_kwargs), (KerasTensor((None, *input_shape[1:])),), {})
    assert tuple(sym.shape) == (None, *expected_output_shape[1:])


def _parity(keras, cls, init_kwargs, x, call_kwargs=None, atol=1e-6):
    """Same config as Keras' layer, same outputs in inference and training."""
    init_kwargs = dict(init_kwargs, name="under_test")
    ours = cls(**init_kwargs)
    theirs = getattr(keras.layers, cls.__name__)(**init_kwargs)
    assert ours.get_config() == theirs.get_config()
    for training in (False, True):
        kwargs = dict(call_kwargs or {}, training=training)
        got, want = assert_keras_parity(ours, theirs, x, call_kwargs=kwargs, atol=atol, rtol=0)
        assert got.shape == want.shape
    return got


def _same_error(keras, cls, init_kwargs, x):
    """Both raise ValueError on ``x``, naming the layer, with Keras' InputSpec wording.

    Only the text from "is incompatible" on is compared: Keras 3.15 itself opens with
    "Input 0 with name 'None' of layer 'x'", kshim with DESIGN.md's 'Input 0 of layer "x"'.
    """
    init_kwargs = dict(init_kwargs, name="under_test")
    with pytest.raises(ValueError) as ours:
        cls(**init_kwargs)(x)
    with pytest.raises(ValueError) as theirs:
        getattr(keras.layers, cls.__name__)(**init_kwargs)(keras.ops.convert_to_tensor(x))
    tail = "is incompatible with the layer:"
    assert '"under_test"' in str(ours.value)
    assert str(ours.value).split(tail)[1] == str(theirs.value).split(tail)[1]


@pytest.fixture
def gate():
    return _gate


@pytest.fixture
def parity():
    return _parity


@pytest.fixture
def same_error():
    return _same_error


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
