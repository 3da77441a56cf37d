"""StackedRNNCells: sizes, one-step call, config round trip."""

import pytest
import torch

import kshim
from kshim.layers import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells


def test_sizes_and_step():
    cells = StackedRNNCells([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)])
    assert cells.state_size == [[4, 4], 3, 2]
    assert cells.output_size == 2
    states = cells.get_initial_state(batch_size=5)
    out, new = cells(torch.ones(5, 6), states)
    assert tuple(out.shape) == (5, 2)
    assert [[tuple(t.shape) for t in s] for s in new] == [[(5, 4), (5, 4)], [(5, 3)], [(5, 2)]]
    assert [w.name for w in cells.weights] == ["kernel", "recurrent_kernel", "bias"] * 3
    assert list(cells.state_dict())[:3] == [
        "cells.0.kernel",
        "cells.0.recurrent_kernel",
        "cells.0.bias",
    ]


def test_config_round_trip(keras):
    ours = StackedRNNCells([LSTMCell(4, name="x"), GRUCell(3, name="y")], name="s")
    theirs = keras.layers.StackedRNNCells(
        [keras.layers.LSTMCell(4, name="x"), keras.layers.GRUCell(3, name="y")], name="s"
    )
    assert ours.get_config() == theirs.get_config()
    assert StackedRNNCells.from_config(ours.get_config()).get_config() == ours.get_config()


def test_rejects_non_cells():
    with pytest.raises(ValueError, match="`call` method"):
        StackedRNNCells([torch.nn.Linear(2, 2)])
    with pytest.raises(ValueError, match="state_size"):
        StackedRNNCells([kshim.layers.Dense(2)])


def test_symbolic_call(check_symbolic):
    from kshim.layers import RNN

    layer = RNN([LSTMCell(3), GRUCell(2)])
    check_symbolic(layer, (2, 4, 5), [(2, 2)])
