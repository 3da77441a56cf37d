"""Shared checks of the normalization tests: the layer gate and Keras parity."""

import numpy as np
import pytest
import torch
import torch._dynamo

from kshim.testing import assert_keras_parity, run_layer_test


def _warm_up(cls, init_kwargs, x):
    """An eager call with an explicit ``training`` before anything is compiled: a compiled
    layer's first such call in a thread otherwise fails in dynamo when the frame recompiles
    ("Guard failed on the same frame it was created", on ``_ctx.training`` in
    kshim/layers/layer.py; reported)."""
    cls(**init_kwargs)(x, training=True)


def _gate(cls, init_kwargs, input_shape, trainable, non_trainable, call_kwargs=None):
    """The shared harness, plus: compiled training updates the moving statistics exactly
    as eager training does (the harness restores the state around its compiled call)."""
    call_kwargs = dict(call_kwargs or {})
    x = torch.from_numpy(np.random.default_rng(0).standard_normal(input_shape).astype("float32"))
    _warm_up(cls, init_kwargs, x)
    layer = run_layer_test(
        cls,
        init_kwargs,
        input_shape=input_shape,
        call_kwargs=call_kwargs,
        expected_output_shape=input_shape,
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=non_trainable,
    )
    if layer.non_trainable_weights:
        snapshot = {k: v.clone() for k, v in layer.state_dict().items()}
        eager = layer(x, training=True, **call_kwargs)
        after_eager = {k: v.clone() for k, v in layer.state_dict().items()}
        layer.load_state_dict(snapshot)
        torch._dynamo.reset()
        compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
        torch.testing.assert_close(compiled(x, training=True, **call_kwargs), eager)
        for k, v in layer.state_dict().items():
            torch.testing.assert_close(v, after_eager[k], atol=1e-6, rtol=1e-6)
        torch._dynamo.reset()
    return layer


def _random_weights(layer, rng):
    """Values in [0.5, 1.5]: distinct per entry, and valid moving variances."""
    return [rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in layer.get_weights()]


def _parity(keras, cls, init_kwargs, x, rng, training=(False, True), atol=1e-5):
    """Same config as Keras' layer (before and after build); same outputs, in inference and
    training, from the same random weights; the same weights after a training call."""
    init_kwargs = dict(init_kwargs, name="under_test")
    for mode in training:
        ours = cls(**init_kwargs)
        theirs = getattr(keras.layers, cls.__name__)(**init_kwargs)
        assert ours.get_config() == theirs.get_config()
        theirs.build(x.shape)
        theirs.set_weights(_random_weights(theirs, rng))
        got, want = assert_keras_parity(
            ours,
            theirs,
            x,
            call_kwargs={"training": mode},
            compare_weights_after=True,
            atol=atol,
            rtol=atol,
        )
        assert got.shape == want.shape == x.shape
        assert ours.get_config() == theirs.get_config()
    return ours


@pytest.fixture
def gate():
    return _gate


@pytest.fixture
def parity():
    return _parity


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
