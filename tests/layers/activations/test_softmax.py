"""Softmax: harness, Keras parity with and without masks, config and mask checks."""

import numpy as np
import pytest
import torch

from kshim.layers import Softmax
from kshim.testing import assert_keras_parity


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": (1, 2)}])
def test_layer(layer_test, kwargs):
    layer_test(
        Softmax,
        kwargs,
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("axis", [-1, 1, (1, 2), [2]])
def test_keras_parity(keras, axis):
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    ours, theirs = Softmax(axis=axis, name="s"), keras.layers.Softmax(axis=axis, name="s")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize(
    "mask",
    [
        np.array([[True, True, False, True], [False, False, False, False]]),  # a row all masked
        np.array([[1.0, 0.2, 0.9, 0.0], [0.7, 1.0, 0.0, 1.0]], dtype="float32"),  # > 0.5 kept
        np.array([[True, False, True, True]]),  # broadcast over the batch
    ],
)
def test_keras_parity_with_mask(keras, mask):
    x = np.random.default_rng(1).standard_normal((2, 4)).astype("float32")
    ours, theirs = Softmax(name="s"), keras.layers.Softmax(name="s")
    k_mask = keras.ops.convert_to_tensor(mask)
    want = keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(x), mask=k_mask))
    got = ours(torch.from_numpy(x), mask=torch.from_numpy(mask)).numpy()
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert (got[np.broadcast_to(mask, x.shape) <= 0.5] == 0).all()


def test_masked_call_compiles_without_graph_breaks():
    import torch._dynamo

    layer = Softmax()
    x, mask = torch.randn(2, 4), torch.tensor([[True, False, True, True]])
    eager = layer(x, mask=mask)
    explain = torch._dynamo.explain(layer)(x, mask=mask)
    assert explain.graph_break_count == 0, explain.break_reasons
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x, mask=mask), eager)


def test_bad_mask_shapes():
    layer = Softmax()
    with pytest.raises(ValueError, match="must not have more dimensions"):
        layer(torch.zeros(2, 3), mask=torch.ones(1, 2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="Each mask dimension must be 1 or match"):
        layer(torch.zeros(2, 3), mask=torch.ones(2, 2, dtype=torch.bool))


def test_invalid_axis():
    with pytest.raises(ValueError, match="Received: axis=x"):
        Softmax(axis="x")
