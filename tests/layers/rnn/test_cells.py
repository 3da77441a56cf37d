"""The cells on their own: one step against Keras' cells, configs, bad arguments."""

import numpy as np
import pytest
import torch

import kshim

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype("float32")
H = RNG.standard_normal((3, 5)).astype("float32")


@pytest.mark.parametrize(
    "name, kwargs, n_states",
    [
        ("SimpleRNNCell", {}, 1),
        ("LSTMCell", {}, 2),
        ("LSTMCell", {"use_bias": False, "activation": "relu"}, 2),
        ("GRUCell", {}, 1),
        ("GRUCell", {"reset_after": False}, 1),
    ],
)
def test_one_step_matches_keras(keras, name, kwargs, n_states):
    ours = getattr(kshim.layers, name)(5, name="cell", **kwargs)
    theirs = getattr(keras.layers, name)(5, name="cell", **kwargs)
    assert ours.get_config() == theirs.get_config()
    states = [H * (i + 1) for i in range(n_states)]
    want_out, want_states = theirs(X, states)
    t_states = [torch.from_numpy(s) for s in states]
    ours(torch.from_numpy(X), t_states)
    ours.set_weights(theirs.get_weights())
    got_out, got_states = ours(torch.from_numpy(X), t_states)
    np.testing.assert_allclose(got_out.detach(), want_out.detach(), atol=1e-5)
    assert len(got_states) == len(want_states)
    for a, b in zip(got_states, want_states):
        np.testing.assert_allclose(a.detach(), b.detach(), atol=1e-5)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    revived = type(ours).from_config(ours.get_config())
    assert revived.get_config() == ours.get_config()


def test_single_state_tensor_in_single_state_tensor_out():
    cell = kshim.layers.GRUCell(3)
    out, state = cell(torch.ones(2, 4), torch.zeros(2, 3))
    assert isinstance(state, torch.Tensor) and torch.equal(out, state)


def test_per_gate_dropout_masks_in_training():
    """Recurrent dropout makes Keras draw one mask per gate (implementation 1)."""
    cell = kshim.layers.LSTMCell(4, dropout=0.5, recurrent_dropout=0.5)
    assert cell.implementation == 1
    out, _ = cell(torch.ones(2, 3), [torch.ones(2, 4), torch.ones(2, 4)], training=True)
    assert tuple(out.shape) == (2, 4)


@pytest.mark.parametrize("name", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_bad_units(name):
    with pytest.raises(ValueError, match="`units`"):
        getattr(kshim.layers, name)(-1)
