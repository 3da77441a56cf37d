"""Shared checks of the recurrent layer tests: the layer gate, Keras parity, configs."""

import numpy as np
import pytest

from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.testing import assert_keras_parity, run_layer_test


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flat(v)]
    return [x]


def _shapes(x):
    if isinstance(x, (list, tuple)):
        return [_shapes(v) for v in x]
    return tuple(x.shape)


def random_input(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def gate(
    cls, init_kwargs, input_shape, expected_output_shape, trainable, call_kwargs=None, symbolic=True
):
    """The shared layer gate (``run_layer_test``). ``init_kwargs`` may be a function
    returning the kwargs (for layers made from other layer instances)."""
    return run_layer_test(
        cls,
        init_kwargs,
        input_shape=input_shape,
        call_kwargs=dict(call_kwargs or {}),
        expected_output_shape=expected_output_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=0,
        run_symbolic_check=symbolic,
    )


def check_symbolic(layer, input_shape, want, call_kwargs=None):
    sym = symbolic_call(layer, (KerasTensor((None, *input_shape[1:])),), dict(call_kwargs or {}))
    assert [tuple(t.shape) for t in _flat(sym)] == [(None, *s[1:]) for s in want]


def _flat_shapes(s):
    if isinstance(s, list):
        return [y for v in s for y in _flat_shapes(v)]
    return [s]


def parity(ours, theirs, x, call_kwargs=None, training=(False, True)):
    """Same config, same weight names and layouts, same outputs given Keras' weights, in
    inference and training mode."""
    assert ours.get_config() == theirs.get_config()
    out = None
    for mode in training:
        kwargs = dict(call_kwargs or {}, training=mode)
        out = assert_keras_parity(ours, theirs, x, call_kwargs=kwargs)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    return out


# Masks of a (3, 5) batch: right-padded rows (one fully masked), left-padded rows, and
# holes (a row whose valid steps are not one block).
RIGHT = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
EMPTY_ROW = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=bool)
LEFT = RIGHT[:, ::-1].copy()
HOLES = np.array([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], dtype=bool)
MASKS = {"right": RIGHT, "empty_row": EMPTY_ROW, "left": LEFT, "holes": HOLES}


@pytest.fixture(name="gate")
def _gate_fixture():
    return gate


@pytest.fixture(name="parity")
def _parity_fixture():
    return parity


@pytest.fixture(name="masks")
def _masks_fixture():
    return MASKS


@pytest.fixture(name="check_symbolic")
def _check_symbolic_fixture():
    return check_symbolic
