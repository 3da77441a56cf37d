"""Bidirectional: the layer gate, Keras parity for every merge mode, states, masks,
backward_layer and weights arguments, config, errors."""

import numpy as np
import pytest
import torch

import kshim
from kshim.layers import GRU, LSTM, Bidirectional, SimpleRNN

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")


def test_gate(gate):
    def make():
        return {"layer": LSTM(3, return_sequences=True)}

    layer = gate(Bidirectional, make, (2, 4, 5), (2, 4, 6), trainable=6)
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"] * 2
    assert list(layer.state_dict())[0] == "forward_layer.cell.kernel"


def _pair(keras, rnn, units, merge_mode, **kwargs):
    ours = Bidirectional(
        getattr(kshim.layers, rnn)(units, name="inner", **kwargs), merge_mode=merge_mode, name="bi"
    )
    theirs = keras.layers.Bidirectional(
        getattr(keras.layers, rnn)(units, name="inner", **kwargs), merge_mode=merge_mode, name="bi"
    )
    return ours, theirs


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize(
    "rnn, kwargs",
    [
        ("LSTM", {"return_sequences": True}),
        ("GRU", {"return_state": True}),
        ("SimpleRNN", {"return_sequences": True, "return_state": True}),
    ],
)
def test_keras_parity(keras, parity, rnn, kwargs, merge_mode):
    ours, theirs = _pair(keras, rnn, 3, merge_mode, **kwargs)
    parity(ours, theirs, X)


@pytest.mark.parametrize("mask", ["right", "holes"])
@pytest.mark.parametrize("rnn", ["LSTM", "GRU"])
def test_keras_parity_masked(keras, parity, masks, rnn, mask):
    ours, theirs = _pair(keras, rnn, 3, "concat", return_sequences=True, return_state=True)
    parity(ours, theirs, X, call_kwargs={"mask": masks[mask]})


def test_backward_layer_and_initial_state(keras):
    rng = np.random.default_rng(2)
    states = [rng.standard_normal((3, 3)).astype("float32") for _ in range(4)]
    ours = Bidirectional(
        LSTM(3, return_state=True), backward_layer=LSTM(3, return_state=True, go_backwards=True)
    )
    theirs = keras.layers.Bidirectional(
        keras.layers.LSTM(3, return_state=True),
        backward_layer=keras.layers.LSTM(3, return_state=True, go_backwards=True),
    )
    t_states = [torch.from_numpy(s) for s in states]
    theirs(X, initial_state=states)
    ours(torch.from_numpy(X), initial_state=t_states)
    ours.set_weights(theirs.get_weights())
    got = ours(torch.from_numpy(X), initial_state=t_states)
    want = theirs(X, initial_state=states)
    assert len(got) == len(want) == 5
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach(), b.detach(), atol=1e-5)


def test_weights_argument_is_forward_then_backward():
    source = Bidirectional(GRU(2))
    source(torch.ones(1, 3, 4))
    weights = source.get_weights()
    layer = Bidirectional(GRU(2), weights=weights)
    layer(torch.ones(1, 3, 4))
    for a, b in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    torch.testing.assert_close(layer(torch.ones(1, 3, 4)), source(torch.ones(1, 3, 4)))


def test_get_config_matches_keras(keras):
    ours, theirs = _pair(keras, "LSTM", 3, "ave", return_sequences=True, dropout=0.2)
    assert ours.get_config() == theirs.get_config()
    revived = Bidirectional.from_config(ours.get_config())
    assert revived.get_config() == ours.get_config()
    assert revived.backward_layer.go_backwards and not revived.forward_layer.go_backwards


def test_compute_output_shape_and_mask(keras):
    for merge_mode in ("concat", None):
        ours, theirs = _pair(keras, "LSTM", 3, merge_mode, return_sequences=True, return_state=True)
        assert ours.compute_output_shape((2, 5, 4)) == theirs.compute_output_shape((2, 5, 4))
    mask = torch.ones(2, 5, dtype=torch.bool)
    assert Bidirectional(LSTM(3, return_sequences=True)).compute_mask(None, mask) is mask


def test_errors():
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="`keras.layers.Layer` instance"):
        Bidirectional(torch.nn.LSTM(3, 3))
    with pytest.raises(ValueError, match="go_backwards"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="return_sequences"):
        Bidirectional(
            SimpleRNN(3), backward_layer=SimpleRNN(3, go_backwards=True, return_sequences=True)
        )
