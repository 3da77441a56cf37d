"""SimpleRNN: the layer gate, Keras parity, configs, bad input."""

import numpy as np
import pytest
import torch

from kshim.layers import SimpleRNN

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")


def test_gate(gate):
    kwargs = {"units": 3, "return_sequences": True, "go_backwards": True}
    gate(SimpleRNN, kwargs, (2, 4, 5), (2, 4, 3), trainable=3)


CONFIGS = [
    {},
    {"return_sequences": True, "return_state": True},
    {"go_backwards": True, "return_sequences": True},
    {"activation": "relu", "return_state": True},
    {"activation": "sigmoid", "use_bias": False, "return_sequences": True},
    {"unroll": True},
    {"recurrent_dropout": 0.5},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_keras_parity(keras, parity, kwargs):
    ours = SimpleRNN(5, name="srnn_under_test", **kwargs)
    theirs = keras.layers.SimpleRNN(5, name="srnn_under_test", **kwargs)
    modes = (False,) if kwargs.get("recurrent_dropout") else (False, True)
    parity(ours, theirs, X, training=modes)


@pytest.mark.parametrize("mask", ["right", "empty_row", "holes"])
def test_keras_parity_masked(keras, parity, masks, mask):
    kwargs = {"return_sequences": True, "return_state": True}
    ours = SimpleRNN(5, name="srnn_masked", **kwargs)
    theirs = keras.layers.SimpleRNN(5, name="srnn_masked", **kwargs)
    parity(ours, theirs, X, call_kwargs={"mask": masks[mask]})


def test_get_config_matches_keras(keras):
    # Keras 3's SimpleRNN drops activity_regularizer (its config says None): so does kshim.
    kwargs = {"units": 4, "activation": "relu", "activity_regularizer": "l2", "name": "cfg"}
    ours, theirs = SimpleRNN(**kwargs), keras.layers.SimpleRNN(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert "seed" not in ours.get_config()
    ours(torch.ones(1, 2, 3))
    assert ours.losses == []


def test_dropout_statistics():
    """Training-mode input dropout: one mask per sequence, rate of zeros near ``rate``."""
    layer = SimpleRNN(
        4,
        dropout=0.5,
        kernel_initializer="ones",
        use_bias=False,
        recurrent_initializer="zeros",
        activation=None,
        return_sequences=True,
    )
    x = torch.ones(4000, 3, 1)
    y = layer(x, training=True)
    dropped = (y[:, 0, 0] == 0).float().mean()
    assert 0.45 < float(dropped) < 0.55
    torch.testing.assert_close(y[:, 0], y[:, 2])  # the same mask at every step
    torch.testing.assert_close(layer(x), torch.ones(4000, 3, 4))  # inference: no dropout


def test_bad_input():
    layer = SimpleRNN(3, name="srnn_bad")
    with pytest.raises(ValueError, match=r"srnn_bad.*expected ndim=3, found ndim=2"):
        layer(torch.ones(2, 5))
    layer(torch.ones(2, 4, 5))
    with pytest.raises(ValueError, match=r"`initial_state`"):
        layer(torch.ones(2, 4, 5), initial_state=[torch.zeros(2, 3), torch.zeros(2, 3)])
