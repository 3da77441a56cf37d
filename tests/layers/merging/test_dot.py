"""Dot: harness, Keras parity (batch_dot shapes, normalize), config and shape errors."""

import numpy as np
import pytest
import torch

from kshim.layers import Dot
from kshim.testing import assert_keras_parity

CASES = [
    ({"axes": 1}, [(2, 5), (2, 5)], (2, 1)),
    ({"axes": -1, "normalize": True}, [(2, 5), (2, 5)], (2, 1)),
    ({"axes": (2, 1)}, [(2, 3, 4), (2, 4, 5)], (2, 3, 5)),
    ({"axes": 1}, [(2, 3, 4), (2, 3)], (2, 4)),
    ({"axes": (1, 2)}, [(2, 3), (2, 4, 3)], (2, 4)),
    ({"axes": -1, "normalize": True}, [(2, 3, 4), (2, 5, 4)], (2, 3, 5)),
    ({"axes": (2, 1)}, [(2, 3, 4, 6), (2, 4, 2, 5)], (2, 3, 6, 2, 5)),
]


@pytest.mark.parametrize("kwargs, shapes, out_shape", CASES[::2])
def test_layer(layer_test, kwargs, shapes, out_shape):
    layer_test(
        Dot,
        kwargs,
        input_shape=shapes,
        expected_output_shape=out_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs, shapes, out_shape", CASES)
def test_keras_parity(keras, kwargs, shapes, out_shape):
    rng = np.random.default_rng(0)
    x = [rng.standard_normal(s).astype("float32") for s in shapes]
    ours, theirs = Dot(**kwargs, name="d"), keras.layers.Dot(**kwargs, name="d")
    out, _ = assert_keras_parity(ours, theirs, x)
    assert out.shape == out_shape
    assert ours.get_config() == theirs.get_config()
    assert ours.compute_output_shape(shapes) == theirs.compute_output_shape(shapes)
    assert ours.compute_mask(x, [None, None]) is None


def test_normalize_gives_cosine_similarity():
    a, b = torch.tensor([[3.0, 4.0]]), torch.tensor([[4.0, 3.0]])
    torch.testing.assert_close(Dot(axes=1, normalize=True)([a, b]), torch.tensor([[24 / 25]]))


def test_incompatible_shapes(keras):
    shapes = [(2, 3), (2, 4)]
    with pytest.raises(ValueError) as ours:
        Dot(axes=1)([torch.zeros(s) for s in shapes])
    with pytest.raises(ValueError) as theirs:
        keras.layers.Dot(axes=1)([keras.ops.zeros(s) for s in shapes])
    assert str(ours.value) == str(theirs.value)
    assert "(2, 3), (2, 4)" in str(ours.value)
    with pytest.raises(ValueError, match="different batch sizes"):
        Dot(axes=1)([torch.zeros(2, 3), torch.zeros(4, 3)])
    with pytest.raises(ValueError, match="over axis 0"):
        Dot(axes=0)([torch.zeros(3, 3), torch.zeros(3, 3)])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        Dot(axes=1)([torch.zeros(2, 3)] * 3)


def test_invalid_axes():
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        Dot(axes="1")
    with pytest.raises(ValueError, match="two elements"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="should be integers"):
        Dot(axes=(1, "2"))
