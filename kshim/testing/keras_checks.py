"""Checks against the same layer in Keras 3 (passed in, so kshim never imports Keras)."""

from __future__ import annotations

import pytest

from kshim.testing.layer_test import assert_keras_parity


def keras_parity(keras, cls, init_kwargs, x, call_kwargs=None, atol=1e-6, rtol=0.0):
    """The same layer in Keras 3 (same name and arguments): same config, same weight names,
    same outputs given Keras' weights in inference and training mode, same
    ``compute_output_shape``. Returns kshim's output (numpy)."""
    init_kwargs = dict(init_kwargs, name="under_test")
    ours = cls(**init_kwargs)
    theirs = getattr(keras.layers, cls.__name__)(**init_kwargs)
    assert ours.get_config() == theirs.get_config()
    got = None
    for training in (False, True):
        kwargs = dict(call_kwargs or {}, training=training)
        got, want = assert_keras_parity(ours, theirs, x, call_kwargs=kwargs, atol=atol, rtol=rtol)
        assert got.shape == want.shape
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    try:
        expected = tuple(theirs.compute_output_shape(x.shape))
    except ValueError:  # Keras' own shape function rejects some configs its call accepts
        expected = None  # (e.g. padding="SAME"): nothing to compare with
    if expected is not None:
        assert tuple(ours.compute_output_shape(x.shape)) == expected
    return got


def same_input_error(keras, cls, init_kwargs, x):
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
