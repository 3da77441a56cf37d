"""LSTM: the layer gate, Keras parity (sequences, states, directions, masks, initial
states), configs, statefulness and bad input."""

import numpy as np
import pytest
import torch

from kshim.layers import LSTM

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")
MASK_NAMES = ["right", "empty_row", "left", "holes"]


def test_gate(gate):
    kwargs = {"units": 3, "return_sequences": True, "return_state": True}
    gate(LSTM, kwargs, (2, 4, 5), [(2, 4, 3), (2, 3), (2, 3)], trainable=3)


CONFIGS = [
    {},
    {"return_sequences": True},
    {"return_state": True},
    {"go_backwards": True, "return_sequences": True, "return_state": True},
    {"use_bias": False, "return_sequences": True},
    {"unroll": True, "return_sequences": True},
    {"activation": "relu", "recurrent_activation": "hard_sigmoid", "return_state": True},
    {"unit_forget_bias": False, "use_cudnn": False},
    {"recurrent_dropout": 0.3, "return_sequences": True},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_keras_parity(keras, parity, kwargs):
    ours = LSTM(5, name="lstm_under_test", **kwargs)
    theirs = keras.layers.LSTM(5, name="lstm_under_test", **kwargs)
    # Recurrent dropout is random in training: compare inference only for it.
    modes = (False,) if kwargs.get("recurrent_dropout") else (False, True)
    parity(ours, theirs, X, training=modes)


@pytest.mark.parametrize("mask", MASK_NAMES)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"return_sequences": True, "return_state": True},
        {"go_backwards": True, "return_state": True},
        {"return_sequences": True, "zero_output_for_mask": True, "go_backwards": True},
    ],
)
def test_keras_parity_masked(keras, parity, masks, mask, kwargs):
    ours = LSTM(5, name="lstm_masked", **kwargs)
    theirs = keras.layers.LSTM(5, name="lstm_masked", **kwargs)
    parity(ours, theirs, X, call_kwargs={"mask": masks[mask]})


def test_keras_parity_initial_state(keras):
    rng = np.random.default_rng(1)
    h0, c0 = (rng.standard_normal((3, 5)).astype("float32") for _ in range(2))
    ours = LSTM(5, return_state=True)
    theirs = keras.layers.LSTM(5, return_state=True)
    theirs(X, initial_state=[h0, c0])
    ours(torch.from_numpy(X), initial_state=[torch.from_numpy(h0), torch.from_numpy(c0)])
    ours.set_weights(theirs.get_weights())
    got = ours(torch.from_numpy(X), initial_state=[torch.from_numpy(h0), torch.from_numpy(c0)])
    want = theirs(X, initial_state=[h0, c0])
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)


def test_weights_layout_and_names():
    layer = LSTM(3)
    layer(torch.ones(2, 4, 5))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert list(layer.state_dict()) == ["cell.kernel", "cell.recurrent_kernel", "cell.bias"]
    assert [tuple(w.shape) for w in layer.weights] == [(5, 12), (3, 12), (12,)]
    # unit_forget_bias: ones on the forget gate block (i, f, c, o), zeros elsewhere.
    np.testing.assert_array_equal(layer.cell.bias.detach().numpy(), [0] * 3 + [1] * 3 + [0] * 6)


def test_matches_torch_lstm():
    """Keras' i, f, c, o gate order is torch's i, f, g, o: the transposed kernels are
    nn.LSTM's weights."""
    layer = LSTM(4, return_sequences=True)
    x = torch.randn(2, 6, 3)
    layer(x)
    ref = torch.nn.LSTM(3, 4, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(layer.cell.kernel.t())
        ref.weight_hh_l0.copy_(layer.cell.recurrent_kernel.t())
        ref.bias_ih_l0.copy_(layer.cell.bias)
        ref.bias_hh_l0.zero_()
    torch.testing.assert_close(layer(x), ref(x)[0], atol=1e-6, rtol=1e-6)


def test_get_config_matches_keras(keras):
    kwargs = {
        "units": 4,
        "activation": "relu",
        "dropout": 0.25,
        "recurrent_dropout": 0.5,
        "kernel_regularizer": "l2",
        "activity_regularizer": "l1",
        "return_sequences": True,
        "go_backwards": True,
        "seed": 7,
        "use_cudnn": False,
        "name": "configured",
    }
    ours, theirs = LSTM(**kwargs), keras.layers.LSTM(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert LSTM.from_config(ours.get_config()).get_config() == ours.get_config()
    assert ours.units == 4 and ours.dropout == 0.25 and ours.recurrent_dropout == 0.5


def test_stateful_carries_states_over():
    layer = LSTM(3, stateful=True, return_state=True)
    x = torch.randn(2, 4, 5)
    _, h1, c1 = layer(x)
    torch.testing.assert_close(layer.states[0], h1)
    _, h2, _ = layer(x)
    fresh = layer(x, initial_state=[h1, c1])  # the same as carrying the state over
    torch.testing.assert_close(h2, fresh[1])
    layer.reset_state()
    assert float(layer.states[0].abs().sum()) == 0.0
    assert "_rnn_state_0_0" not in layer.state_dict()  # states are not weights
    with pytest.raises(ValueError, match="batch size"):
        layer(torch.randn(3, 4, 5))


def test_bad_input():
    layer = LSTM(3, name="lstm_bad")
    with pytest.raises(ValueError, match=r"lstm_bad.*expected ndim=3, found ndim=2"):
        layer(torch.ones(2, 5))
    assert not layer.built  # the failed build left nothing behind
    x = torch.ones(2, 4, 5)
    layer(x)
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4"):
        layer(torch.ones(2, 4, 5, 1))
    with pytest.raises(ValueError, match=r"`mask`.*\(2, 4\).*mask.shape=\(2, 3\)"):
        layer(x, mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"`initial_state`.*\(2, 3\).*\(2, 4\)"):
        layer(x, initial_state=[torch.zeros(2, 4), torch.zeros(2, 4)])
    with pytest.raises(ValueError, match=r"`initial_state`"):
        layer(x, initial_state=[torch.zeros(2, 3)])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"units": 0}, "units"),
        ({"units": 3, "use_cudnn": "yes"}, "use_cudnn"),
        ({"units": 3, "dropout": "high"}, "dropout"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LSTM(**kwargs)
