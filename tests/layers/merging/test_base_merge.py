"""The element-wise merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum):
harness, Keras parity with broadcasting, masks, configs and shape errors."""

import numpy as np
import pytest
import torch

from kshim import layers
from kshim.testing import assert_keras_parity

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
SHAPES = [
    [(2, 3, 4), (2, 3, 4)],
    [(2, 3, 4), (2, 1, 4)],  # size-1 axes broadcast
    [(2, 3, 4), (2, 4)],  # lower rank: size-1 axes inserted after the batch axis
]


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype("float32") for s in shapes]


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", [SHAPES[0], SHAPES[2]])
def test_layer(layer_test, name, shapes):
    layer_test(
        getattr(layers, name),
        {},
        input_shape=shapes,
        expected_output_shape=shapes[0],
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shapes", SHAPES)
def test_keras_parity(keras, name, shapes):
    ours, theirs = getattr(layers, name)(name="m"), getattr(keras.layers, name)(name="m")
    out, _ = assert_keras_parity(ours, theirs, _inputs(shapes))
    assert out.shape == shapes[0]
    assert ours.get_config() == theirs.get_config()
    assert ours.compute_output_shape(shapes) == theirs.compute_output_shape(shapes)


@pytest.mark.parametrize("name", ["Add", "Multiply", "Average", "Maximum", "Minimum"])
def test_three_inputs(keras, name):
    shapes = [(2, 5)] * 3
    ours, theirs = getattr(layers, name)(), getattr(keras.layers, name)()
    assert_keras_parity(ours, theirs, _inputs(shapes))


@pytest.mark.parametrize("name", ["Maximum", "Minimum", "Multiply"])
@pytest.mark.parametrize("which", ["both", "first", "second"])
def test_masked_merge_matches_keras(keras, name, which):
    # Keras reads masks attached to its tensors; kshim takes them in `mask=`.
    a, b = _inputs([(2, 3, 4), (2, 3, 4)], seed=3)
    ma = np.array([[True, False, True], [False, False, True]])
    mb = np.array([[True, True, False], [False, True, True]])
    masks = {"both": [ma, mb], "first": [ma, None], "second": [None, mb]}[which]
    ka, kb = keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)
    for t, m in zip((ka, kb), masks):
        if m is not None:
            t._keras_mask = keras.ops.convert_to_tensor(m)
    theirs = getattr(keras.layers, name)()
    want = keras.ops.convert_to_numpy(theirs([ka, kb]))
    ours = getattr(layers, name)()
    t_masks = [None if m is None else torch.from_numpy(m) for m in masks]
    got = ours([torch.from_numpy(a), torch.from_numpy(b)], mask=t_masks).numpy()
    np.testing.assert_allclose(got, want, atol=1e-6)
    if which == "both":
        got_mask = ours.compute_mask([torch.from_numpy(a), torch.from_numpy(b)], t_masks)
        want_mask = theirs.compute_mask([ka, kb], [keras.ops.convert_to_tensor(m) for m in masks])
        np.testing.assert_array_equal(got_mask.numpy(), keras.ops.convert_to_numpy(want_mask))
    else:
        assert ours.compute_mask([a, b], t_masks) is None


def test_add_ignores_masks_in_values_and_ors_them():
    a, b = torch.ones(1, 2, 3), torch.ones(1, 2, 3)
    ma, mb = torch.tensor([[True, False]]), torch.tensor([[False, False]])
    layer = layers.Add()
    assert layer([a, b], mask=[ma, mb]).sum().item() == 12
    assert layer.compute_mask([a, b], [ma, mb]).tolist() == [[True, False]]
    assert layer.compute_mask([a, b], None) is None


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_incompatible_shapes(keras, name):
    shapes = [(2, 3), (2, 4)]
    with pytest.raises(ValueError) as ours:
        getattr(layers, name)()([torch.zeros(s) for s in shapes])
    with pytest.raises(ValueError) as theirs:
        getattr(keras.layers, name)()([keras.ops.zeros(s) for s in shapes])
    assert "Received shapes (3,) and (4,)" in str(ours.value)
    assert str(ours.value) == str(theirs.value)


def test_merge_errors():
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layers.Add()(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add()([torch.zeros(2, 3), torch.zeros(3, 3)])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([torch.zeros(2, 3)] * 3)
    with pytest.raises(ValueError, match="same length"):
        layers.Add().compute_mask([torch.zeros(2, 3)] * 2, [None])


def test_functional_forms():
    a, b = torch.ones(2, 3), torch.full((2, 3), 3.0)
    assert layers.add([a, b]).tolist() == [[4.0] * 3] * 2
    assert layers.subtract([a, b]).tolist() == [[-2.0] * 3] * 2
    assert layers.multiply([a, b]).tolist() == [[3.0] * 3] * 2
    assert layers.average([a, b]).tolist() == [[2.0] * 3] * 2
    assert layers.maximum([a, b]).tolist() == [[3.0] * 3] * 2
    assert layers.minimum([a, b]).tolist() == [[1.0] * 3] * 2
    assert layers.concatenate([a, b]).shape == (2, 6)
    assert layers.dot([a, b], axes=1).tolist() == [[9.0], [9.0]]
