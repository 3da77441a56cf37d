"""TimeDistributed: the layer gate, Keras parity with Dense and with an RNN inside,
masks, config, errors."""

import numpy as np
import pytest
import torch

from kshim.layers import Dense, Dropout, TimeDistributed

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")


def test_gate(gate):
    layer = gate(TimeDistributed, lambda: {"layer": Dense(3)}, (2, 4, 5), (2, 4, 3), trainable=2)
    assert list(layer.state_dict()) == ["layer.kernel", "layer.bias"]


def test_keras_parity_dense(keras, parity):
    ours = TimeDistributed(Dense(6, activation="relu", name="d"), name="td")
    theirs = keras.layers.TimeDistributed(
        keras.layers.Dense(6, activation="relu", name="d"), name="td"
    )
    parity(ours, theirs, X)


def test_keras_parity_rank4(keras):
    from kshim.testing import assert_keras_parity

    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype("float32")
    ours = TimeDistributed(Dense(2))
    theirs = keras.layers.TimeDistributed(keras.layers.Dense(2))
    got, _ = assert_keras_parity(ours, theirs, x)
    assert got.shape == (2, 3, 4, 2)


def test_mask_is_passed_through(masks):
    layer = TimeDistributed(Dense(3))
    mask = torch.from_numpy(masks["right"])
    assert layer.compute_mask(None, mask) is mask
    y = layer(torch.from_numpy(X), mask=mask)
    assert tuple(y.shape) == (3, 5, 3)


def test_dropout_inside_is_per_sample():
    layer = TimeDistributed(Dropout(0.5))
    y = layer(torch.ones(200, 10, 8), training=True)
    assert 0.4 < float((y == 0).float().mean()) < 0.6
    torch.testing.assert_close(layer(torch.ones(2, 3, 4)), torch.ones(2, 3, 4))


def test_compute_output_shape():
    assert TimeDistributed(Dense(3)).compute_output_shape((None, 7, 5)) == (None, 7, 3)


def test_errors():
    with pytest.raises(ValueError, match="`keras.layers.Layer` instance"):
        TimeDistributed(torch.nn.Linear(2, 2))
    layer = TimeDistributed(Dense(3))
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layer(torch.ones(2, 5))
    layer(torch.ones(2, 4, 5))
    with pytest.raises(ValueError, match=r"incompatible with the input shape \(2, 4, 5\)"):
        layer(torch.ones(2, 4, 5), mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match="at least 2D"):
        layer(torch.ones(2, 4, 5), mask=torch.ones(2, dtype=torch.bool))
