"""Embedding: harness, Keras parity (outputs and masks), config and errors."""

import numpy as np
import pytest
import torch

from kshim.layers import Embedding
from kshim.testing import assert_keras_parity


@pytest.mark.parametrize(
    "kwargs, shape, dtype",
    [
        ({"input_dim": 10, "output_dim": 4}, (2, 3), "int64"),
        ({"input_dim": 10, "output_dim": 3, "mask_zero": True}, (2, 5), "int32"),
        ({"input_dim": 12, "output_dim": 2, "embeddings_initializer": "ones"}, (3,), "int64"),
    ],
)
def test_layer(layer_test, kwargs, shape, dtype):
    layer_test(
        Embedding,
        kwargs,
        input_shape=shape,
        input_dtype=dtype,
        expected_output_shape=(*shape, kwargs["output_dim"]),
        expected_output_dtype="float32",
        expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=0,
        expected_weight_names=["embeddings"],
        supports_masking=kwargs.get("mask_zero", False),
    )


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
@pytest.mark.parametrize("mask_zero", [False, True])
def test_keras_parity(keras, dtype, mask_zero):
    x = np.array([[0, 3, 9, 1], [2, 0, 0, 5]]).astype(dtype)
    ours = Embedding(10, 4, mask_zero=mask_zero, name="emb")
    theirs = keras.layers.Embedding(10, 4, mask_zero=mask_zero, name="emb")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    got = ours.compute_mask(torch.from_numpy(x))
    want = theirs.compute_mask(keras.ops.convert_to_tensor(x))
    if mask_zero:
        np.testing.assert_array_equal(got.numpy(), keras.ops.convert_to_numpy(want))
    else:
        assert got is None and want is None


def test_out_of_range_indices_raise():
    # Keras' torch backend wraps negative indices around; kshim saves that extra pass over
    # the indices on every call and rejects them, as it rejects indices >= input_dim.
    layer = Embedding(4, 2)
    for bad in (-1, 4):
        with pytest.raises(IndexError):
            layer(torch.tensor([[0, bad]]))


def test_float_indices_are_truncated():
    layer = Embedding(4, 2)
    torch.testing.assert_close(layer(torch.tensor([1.7, 3.2])), layer(torch.tensor([1, 3])))


def test_weights_argument_and_input_length():
    table = np.arange(6, dtype="float32").reshape(3, 2)
    layer = Embedding(3, 2, weights=[table])
    assert layer.built
    np.testing.assert_array_equal(layer(torch.tensor([2, 0])).detach().numpy(), table[[2, 0]])
    with pytest.warns(UserWarning, match="`input_length` is deprecated"):
        layer = Embedding(3, 2, input_length=5)
    assert "input_length" not in layer.get_config()


@pytest.mark.parametrize("name, value", [("input_dim", 0), ("output_dim", -2), ("input_dim", 2.5)])
def test_invalid_arguments(name, value):
    kwargs = {"input_dim": 3, "output_dim": 2, name: value}
    with pytest.raises(ValueError, match=f"`{name}` must be a positive integer. Received: {name}="):
        Embedding(**kwargs)
