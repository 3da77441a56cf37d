"""EinsumDense: harness, Keras parity, config and errors."""

import numpy as np
import pytest

from kshim.layers import EinsumDense
from kshim.testing import assert_keras_parity

CASES = [
    # (init kwargs, input shape, output shape, number of weights)
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"}, (2, 3), (2, 4), 2),
    ({"equation": "abc,cd->abd", "output_shape": (None, 5)}, (2, 3, 4), (2, 3, 5), 1),
    (
        {"equation": "abc,cde->abde", "output_shape": (None, 2, 3), "bias_axes": "de"},
        (2, 4, 5),
        (2, 4, 2, 3),
        2,
    ),
    ({"equation": "...b,bc->...c", "output_shape": 3, "bias_axes": "c"}, (2, 4, 5), (2, 4, 3), 2),
    (
        {"equation": "ab...,bc->ac...", "output_shape": 3, "bias_axes": "c", "activation": "relu"},
        (2, 4, 5),
        (2, 3, 5),
        2,
    ),
    (
        {"equation": "abc,cd->abd", "output_shape": (3, 5), "bias_axes": "b"},
        (2, 3, 4),
        (2, 3, 5),
        2,
    ),
]


@pytest.mark.parametrize("kwargs, shape, out_shape, n", CASES)
def test_layer(layer_test, kwargs, shape, out_shape, n):
    layer_test(
        EinsumDense,
        kwargs,
        input_shape=shape,
        expected_output_shape=out_shape,
        expected_num_trainable_weights=n,
        expected_num_non_trainable_weights=0,
    )


@pytest.mark.parametrize("kwargs, shape, out_shape, n", CASES)
def test_keras_parity(keras, kwargs, shape, out_shape, n):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    ours = EinsumDense(**kwargs, bias_initializer="random_normal", name="ed")
    theirs = keras.layers.EinsumDense(**kwargs, bias_initializer="random_normal", name="ed")
    assert_keras_parity(ours, theirs, x)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert ours.get_config() == theirs.get_config()


def test_kernel_initializer_uses_einsum_fans():
    # Keras tells a variance-scaling initializer which kernel axes are the fans:
    # fan_in = 32 (axis c), fan_out = 8 * 16 (axes d, e).
    ours = EinsumDense("abc,cde->abde", output_shape=(None, 8, 16))
    ours.build((2, 4, 32))
    limit = np.sqrt(6.0 / (32 + 8 * 16))
    kernel = ours.kernel.detach().numpy()
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.8 * limit
    assert ours.kernel_initializer.input_axes is None  # the configured one is unchanged


def test_invalid_arguments():
    with pytest.raises(ValueError, match="Invalid einsum equation 'abc'"):
        EinsumDense("abc", output_shape=3)
    with pytest.raises(ValueError, match="Bias dimension 'q' was requested"):
        EinsumDense("ab,bc->ac", output_shape=3, bias_axes="q")
    with pytest.raises(ValueError, match="output_shape"):
        EinsumDense("ab,bc->ac", output_shape="x")
    layer = EinsumDense("abc,cd->abd", output_shape=(7, 5))
    with pytest.raises(ValueError, match="Input shape and output shape do not match"):
        layer.build((2, 3, 4))


def test_wrong_rank_raises_input_spec_error():
    import torch

    layer = EinsumDense("ab,bc->ac", output_shape=3)
    layer(torch.ones(2, 4))
    with pytest.raises(
        ValueError, match='Input 0 of layer "einsum_dense.*expected ndim=2, found ndim=3'
    ):
        layer(torch.ones(2, 4, 4))
