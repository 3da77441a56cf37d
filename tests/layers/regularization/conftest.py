"""Shared checks of the regularization tests: the layer gate and Keras comparisons."""

import numpy as np
import pytest
import torch
import torch._dynamo

from kshim.testing import run_layer_test


def _gate(cls, init_kwargs, input_shape, deterministic_in_training=False, **kwargs):
    """The shared harness, plus: the layer compiles as one graph in training mode too (for
    a random layer the harness only runs ``torch._dynamo.explain`` there, which can report
    no break for code ``fullgraph=True`` refuses, such as ``with torch.device(...)``)."""
    x = torch.from_numpy(np.random.default_rng(0).standard_normal(input_shape).astype("float32"))
    # An eager call with an explicit ``training`` before anything is compiled: a compiled
    # layer's first such call in a thread otherwise fails in dynamo when the frame
    # recompiles ("Guard failed on the same frame it was created", on ``_ctx.training`` in
    # kshim/layers/layer.py; reported).
    cls(**init_kwargs)(x, training=True)
    layer = run_layer_test(
        cls,
        init_kwargs,
        input_shape=input_shape,
        expected_output_shape=input_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        deterministic_in_training=deterministic_in_training,
        **kwargs,
    )
    torch._dynamo.reset()
    got = torch.compile(layer, fullgraph=True, backend="aot_eager")(x, training=True)
    assert got.shape == x.shape
    torch._dynamo.reset()
    return layer


def _same_config(keras, cls, init_kwargs):
    """The same config as Keras' layer made with the same arguments."""
    init_kwargs = dict(init_kwargs, name="under_test")
    ours = cls(**init_kwargs)
    theirs = getattr(keras.layers, cls.__name__)(**init_kwargs)
    assert ours.get_config() == theirs.get_config()
    return ours, theirs


@pytest.fixture
def gate():
    return _gate


@pytest.fixture
def same_config():
    return _same_config


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def _check_spatial_dropout(layer, shape, channel_axis, rate):
    """In training: whole feature maps dropped (about ``rate`` of them), the others scaled
    by ``1 / (1 - rate)``; in inference: the input itself."""
    x = torch.ones(shape)
    assert layer(x) is x
    y = layer(x, training=True)
    spatial = tuple(i for i in range(1, len(shape)) if i != channel_axis)
    first = y.amax(dim=spatial, keepdim=True)
    assert torch.equal(y, first.expand_as(y)), "a feature map was not dropped as a whole"
    kept = y[y != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - rate)))
    dropped = float((first == 0).float().mean())
    assert abs(dropped - rate) < 0.06, dropped
    return y


@pytest.fixture
def check_spatial_dropout():
    return _check_spatial_dropout


def _same_input_error(keras, cls, init_kwargs, x):
    """Both raise ValueError on ``x`` with Keras' InputSpec wording (the text from "is
    incompatible" on: Keras 3.15 opens with "Input 0 with name 'None' of layer")."""
    init_kwargs = dict(init_kwargs, name="under_test")
    with pytest.raises(ValueError) as ours:
        cls(**init_kwargs)(torch.from_numpy(x))
    with pytest.raises(ValueError) as theirs:
        getattr(keras.layers, cls.__name__)(**init_kwargs)(x)
    tail = "is incompatible with the layer:"
    assert '"under_test"' in str(ours.value)
    assert str(ours.value).split(tail)[1] == str(theirs.value).split(tail)[1]


@pytest.fixture
def same_input_error():
    return _same_input_error
