"""Concatenate: harness, Keras parity, masks, config and shape errors."""

import numpy as np
import pytest
import torch

from kshim.layers import Concatenate
from kshim.testing import assert_keras_parity

CASES = [
    ({}, [(2, 3, 4), (2, 3, 5)], (2, 3, 9)),
    ({"axis": 1}, [(2, 3, 4), (2, 1, 4), (2, 2, 4)], (2, 6, 4)),
    ({"axis": -2}, [(2, 3, 4), (2, 2, 4)], (2, 5, 4)),
]


@pytest.mark.parametrize("kwargs, shapes, out_shape", CASES)
def test_layer(layer_test, kwargs, shapes, out_shape):
    layer_test(
        Concatenate,
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
    ours, theirs = Concatenate(**kwargs, name="c"), keras.layers.Concatenate(**kwargs, name="c")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()
    assert ours.compute_output_shape(shapes) == theirs.compute_output_shape(shapes)


@pytest.mark.parametrize("axis", [-1, 1])
def test_compute_mask_matches_keras(keras, axis):
    a, b = np.ones((2, 3, 4), "float32"), np.ones((2, 3, 4), "float32")
    ma = np.array([[True, False, True], [False, False, True]])
    for masks in ([ma, None], [ma, ~ma]):
        ours = Concatenate(axis=axis).compute_mask(
            [torch.from_numpy(a), torch.from_numpy(b)],
            [None if m is None else torch.from_numpy(m) for m in masks],
        )
        theirs = keras.layers.Concatenate(axis=axis).compute_mask(
            [keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)],
            [None if m is None else keras.ops.convert_to_tensor(m) for m in masks],
        )
        np.testing.assert_array_equal(ours.numpy(), keras.ops.convert_to_numpy(theirs))
    assert Concatenate().compute_mask([a, b], [None, None]) is None


def test_incompatible_shapes(keras):
    shapes = [(2, 3, 4), (2, 5, 4)]
    with pytest.raises(ValueError) as ours:
        Concatenate()([torch.zeros(s) for s in shapes])
    with pytest.raises(ValueError) as theirs:
        keras.layers.Concatenate()([keras.ops.zeros(s) for s in shapes])
    assert "matching shapes except for the concatenation axis" in str(ours.value)
    assert "(2, 3, 4)" in str(ours.value) and "(2, 5, 4)" in str(ours.value)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError, match="matching shapes"):
        Concatenate()([torch.zeros(2, 3), torch.zeros(2, 3, 1)])
    with pytest.raises(ValueError, match="`axis`"):
        Concatenate(axis="a")
