import numpy as np
import pytest
import torch

from kshim.layers.attention import AdditiveAttention
from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.testing import assert_keras_parity, run_layer_test

Q_MASK = torch.tensor([[True, False, True], [True, True, False]])
V_MASK = torch.tensor([[True, True, False, True, False], [False] * 5])


def _inputs(data, key=False):
    out = [data(2, 3, 6), data(2, 5, 7 if key else 6, seed=1)]
    if key:
        out.append(data(2, 5, 6, seed=2))
    return out


HARNESS = [
    ({}, False, {}, 1, True),
    ({"use_scale": False}, True, {"mask": [Q_MASK, V_MASK], "use_causal_mask": True}, 0, True),
    ({"dropout": 0.5}, False, {}, 1, False),
]


@pytest.mark.parametrize("init, key, call, n_weights, det", HARNESS)
def test_layer(init, key, call, n_weights, det, data):
    inputs = [torch.from_numpy(a) for a in _inputs(data, key)]
    run_layer_test(
        AdditiveAttention,
        init,
        input_data=inputs,
        call_kwargs=call,
        expected_output_shape=(2, 3, inputs[1].shape[-1]),
        expected_num_trainable_weights=n_weights,
        expected_num_non_trainable_weights=0,
        deterministic_in_training=det,
    )


def test_symbolic():
    layer = AdditiveAttention()
    out = symbolic_call(layer, ([KerasTensor((None, 3, 6)), KerasTensor((None, 5, 6))],), {})
    assert out.shape == (None, 3, 6)
    assert [tuple(w.shape) for w in layer.weights] == [(6,)]


PARITY = [
    ({}, False, {}),
    ({}, True, {"mask": [Q_MASK, V_MASK], "return_attention_scores": True}),
    ({"use_scale": False}, False, {"mask": [None, V_MASK], "use_causal_mask": True}),
    ({}, False, {"use_causal_mask": True, "return_attention_scores": True}),
    ({}, True, {"training": True}),
]


@pytest.mark.parametrize("init, key, call", PARITY)
def test_keras_parity(init, key, call, keras, data):
    inputs = _inputs(data, key)
    init = {"name": "additive_attention", **init}
    ours, theirs = AdditiveAttention(**init), keras.layers.AdditiveAttention(**init)
    assert_keras_parity(ours, theirs, inputs, call_kwargs=call)
    assert ours.get_config() == theirs.get_config()
    assert "score_mode" not in ours.get_config()


def test_get_config_matches_keras(keras):
    init = {"use_scale": False, "dropout": 0.2, "seed": 4, "name": "add"}
    ours, theirs = AdditiveAttention(**init), keras.layers.AdditiveAttention(**init)
    assert ours.get_config() == theirs.get_config()
    assert AdditiveAttention.from_config(ours.get_config()).get_config() == ours.get_config()


def test_compiled_with_scores(no_graph_breaks, data):
    inputs = [torch.from_numpy(a) for a in _inputs(data)]
    layer = AdditiveAttention()
    layer(inputs)
    no_graph_breaks(layer, inputs, mask=[Q_MASK, V_MASK], return_attention_scores=True)


def test_bad_inputs(data):
    q, v = (torch.from_numpy(a) for a in _inputs(data))
    layer = AdditiveAttention()
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layer(q)
    layer([q, v])
    with pytest.raises(ValueError, match=r"key.shape=\(2, 4, 6\) and value.shape=\(2, 5, 6\)"):
        layer([q, v, torch.ones(2, 4, 6)])
    with pytest.raises(ValueError, match=r"value_mask.shape=\(5,\)"):
        layer([q, v], mask=[None, torch.ones(5, dtype=torch.bool)])
    with pytest.raises(ValueError, match="dropout=-1"):
        AdditiveAttention(dropout=-1)
    np.testing.assert_equal(layer.compute_output_shape([(2, 3, 6), (2, 5, 9)]), (2, 3, 9))
