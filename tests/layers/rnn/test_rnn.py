"""The generic RNN layer: built-in cells, stacked cells, user cells, masks, states."""

import numpy as np
import pytest
import torch

import kshim
from kshim.layers import RNN, GRUCell, LSTMCell

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")


def test_gate_stacked(gate):
    def make():
        return {"cell": [LSTMCell(3), GRUCell(2)], "return_state": True}

    # The symbolic call of a layer holding a list of layers is blocked by kshim's
    # symbolic.py today (see test_stacked_rnn_cells.py::test_symbolic_call).
    gate(RNN, make, (2, 4, 5), [(2, 2), [(2, 3), (2, 3)], [(2, 2)]], trainable=6, symbolic=False)


def _cells(module, spec):
    """Named cells in a named StackedRNNCells (auto-names differ between libraries)."""
    cells = [getattr(module, name)(u, name=f"c{i}", **kw) for i, (name, u, kw) in enumerate(spec)]
    return module.StackedRNNCells(cells, name="cells")


STACKS = {
    "lstm-gru-simple": [("LSTMCell", 4, {}), ("GRUCell", 3, {}), ("SimpleRNNCell", 2, {})],
    "gru-before": [("GRUCell", 3, {"reset_after": False}), ("LSTMCell", 2, {})],
    "relu-lstm": [("LSTMCell", 3, {"activation": "relu"}), ("SimpleRNNCell", 2, {})],
}


@pytest.mark.parametrize("stack", sorted(STACKS))
@pytest.mark.parametrize(
    "kwargs",
    [
        {"return_sequences": True, "return_state": True},
        {"go_backwards": True, "return_state": True},
    ],
)
@pytest.mark.parametrize("mask", [None, "right", "holes"])
def test_keras_parity_stacked(keras, parity, masks, stack, kwargs, mask):
    ours = RNN(_cells(kshim.layers, STACKS[stack]), name="stack", **kwargs)
    theirs = keras.layers.RNN(_cells(keras.layers, STACKS[stack]), name="stack", **kwargs)
    call_kwargs = {} if mask is None else {"mask": masks[mask]}
    parity(ours, theirs, X, call_kwargs=call_kwargs)


@pytest.mark.parametrize("cell", ["SimpleRNNCell", "LSTMCell", "GRUCell"])
def test_keras_parity_single_cell(keras, parity, masks, cell):
    kwargs = {"return_sequences": True, "zero_output_for_mask": True, "return_state": True}
    ours = RNN(getattr(kshim.layers, cell)(4, name="c"), name="rnn_cell", **kwargs)
    theirs = keras.layers.RNN(getattr(keras.layers, cell)(4, name="c"), name="rnn_cell", **kwargs)
    parity(ours, theirs, X, call_kwargs={"mask": masks["left"]})


class MinimalRNNCell(kshim.layers.Layer):
    """A user cell, stepped by RNN one time step at a time."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name="recurrent_kernel"
        )

    def call(self, inputs, states):
        output = torch.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_user_cell_matches_keras(keras, masks):
    class KerasMinimalCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), name="recurrent_kernel"
            )

        def call(self, inputs, states):
            prev = states[0]
            output = keras.ops.tanh(inputs @ self.kernel + prev @ self.recurrent_kernel)
            return output, [output]

    kwargs = {"return_sequences": True, "return_state": True}
    for mask in (None, masks["holes"]):
        ours = RNN([MinimalRNNCell(3), LSTMCell(2)], **kwargs)
        theirs = keras.layers.RNN([KerasMinimalCell(3), keras.layers.LSTMCell(2)], **kwargs)
        call_kwargs = {} if mask is None else {"mask": mask}
        kshim.testing.assert_keras_parity(ours, theirs, X, call_kwargs=call_kwargs)


def test_initial_state_for_stacked_cells(keras):
    rng = np.random.default_rng(3)
    h1, c1, h2 = (rng.standard_normal((3, n)).astype("float32") for n in (4, 4, 2))
    ours = RNN([LSTMCell(4), GRUCell(2)], return_state=True)
    theirs = keras.layers.RNN(
        [keras.layers.LSTMCell(4), keras.layers.GRUCell(2)], return_state=True
    )
    theirs(X, initial_state=[[h1, c1], [h2]])
    t = torch.from_numpy
    ours(t(X))
    ours.set_weights(theirs.get_weights())
    want = theirs(X, initial_state=[[h1, c1], [h2]])
    for given in ([[t(h1), t(c1)], [t(h2)]], [t(h1), t(c1), t(h2)]):  # nested or flat
        got = ours(t(X), initial_state=given)
        np.testing.assert_allclose(got[0].detach(), want[0].detach(), atol=1e-5)
        np.testing.assert_allclose(got[2][0].detach(), want[2][0].detach(), atol=1e-5)


def test_get_config_matches_keras(keras):
    ours = RNN([LSTMCell(3, name="a"), GRUCell(2, name="b")], go_backwards=True, name="r")
    theirs = keras.layers.RNN(
        [keras.layers.LSTMCell(3, name="a"), keras.layers.GRUCell(2, name="b")],
        go_backwards=True,
        name="r",
    )
    a, b = ours.get_config(), theirs.get_config()
    # RNN(list) names its StackedRNNCells from a per-library counter.
    for cfg in (a, b):
        assert cfg["cell"]["config"].pop("name").startswith("stacked_rnn_cells")
    assert a == b
    revived = RNN.from_config(ours.get_config())
    assert revived.get_config() == ours.get_config()
    assert [type(c).__name__ for c in revived.cell.cells] == ["LSTMCell", "GRUCell"]


def test_compute_mask_and_output_shape():
    layer = RNN(LSTMCell(3), return_sequences=True, return_state=True)
    mask = torch.ones(2, 4, dtype=torch.bool)
    assert layer.compute_mask(None, mask)[0] is mask
    assert layer.compute_output_shape((None, 4, 5)) == ((None, 4, 3), (None, 3), (None, 3))
    assert RNN(LSTMCell(3)).compute_mask(None, mask) is None


def test_bad_arguments_and_input():
    with pytest.raises(ValueError, match="`call` method"):
        RNN(object())
    layer = RNN(GRUCell(3), name="rnn_bad")
    with pytest.raises(ValueError, match=r"`sequences`.*sequences.shape=\(2, 5\)"):
        layer(torch.ones(2, 5))
    x = torch.ones(2, 4, 5)
    layer(x)
    with pytest.raises(ValueError, match=r"`sequences`.*sequences.shape=\(4, 5\)"):
        layer(torch.ones(4, 5))
    with pytest.raises(ValueError, match=r"`mask`.*\(2, 4\).*mask.shape=\(2, 4, 2\)"):
        layer(x, mask=torch.ones(2, 4, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"`initial_state`.*\(2, 3\).*\(1, 3\)"):
        layer(x, initial_state=[torch.zeros(1, 3)])
    with pytest.raises(ValueError, match="batch size must be static"):
        RNN(GRUCell(3), stateful=True).build((None, 4, 5))
