import numpy as np
import pytest
import torch

from kshim.layers.attention import Attention
from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.testing import assert_keras_parity, run_layer_test

Q_MASK = torch.tensor([[True, False, True], [True, True, False]])
V_MASK = torch.tensor([[True, True, False, True, False], [False] * 5])  # row 2: all masked


def _inputs(data, key=False, v_dim=6):
    out = [data(2, 3, 6), data(2, 5, v_dim, seed=1)]
    if key:
        out.append(data(2, 5, 6, seed=2))
    return out


# (init kwargs, with key, call kwargs, weights, deterministic in training)
HARNESS = [
    ({}, False, {}, 0, True),
    ({"use_scale": True}, True, {"mask": [Q_MASK, V_MASK], "use_causal_mask": True}, 1, True),
    ({"score_mode": "concat", "use_scale": True}, False, {"mask": [Q_MASK, V_MASK]}, 2, True),
    ({"dropout": 0.5}, True, {"use_causal_mask": True}, 0, False),
    ({"dropout": 0.5, "seed": 2}, False, {}, 0, False),
]


@pytest.mark.parametrize("init, key, call, n_weights, det", HARNESS)
def test_layer(init, key, call, n_weights, det, data):
    inputs = [torch.from_numpy(a) for a in _inputs(data, key, v_dim=7 if key else 6)]
    run_layer_test(
        Attention,
        init,
        input_data=inputs,
        call_kwargs=call,
        expected_output_shape=(2, 3, inputs[1].shape[-1]),
        expected_num_trainable_weights=n_weights,
        expected_num_non_trainable_weights=0,
        deterministic_in_training=det,
    )


def test_symbolic_and_meta():
    layer = Attention(use_scale=True)
    out, scores = symbolic_call(
        layer,
        ([KerasTensor((None, 3, 6)), KerasTensor((None, 5, 7)), KerasTensor((None, 5, 6))],),
        {"return_attention_scores": True},
    )
    assert out.shape == (None, 3, 7) and scores.shape == (None, 3, 5)
    assert layer.compute_output_shape([(None, 3, 6), (None, 5, 7)]) == (None, 3, 7)
    fresh = Attention(score_mode="concat")
    q, v = torch.empty(2, 3, 6, device="meta"), torch.empty(2, 5, 6, device="meta")
    masks = [torch.ones(2, 3, dtype=torch.bool, device="meta")] * 2
    masks[1] = torch.ones(2, 5, dtype=torch.bool, device="meta")
    out = fresh([q, v], mask=masks, use_causal_mask=True)
    assert out.device.type == "meta" and tuple(out.shape) == (2, 3, 6)
    assert all(w.device.type == "meta" for w in fresh.weights)


PARITY = [
    ({}, False, {}),
    ({}, True, {"return_attention_scores": True}),
    ({"use_scale": True}, False, {"mask": [Q_MASK, V_MASK]}),
    ({"use_scale": True}, True, {"mask": [Q_MASK, V_MASK], "return_attention_scores": True}),
    ({}, False, {"use_causal_mask": True}),
    ({}, True, {"mask": [None, V_MASK], "use_causal_mask": True}),
    ({"score_mode": "concat"}, False, {"mask": [Q_MASK, V_MASK], "return_attention_scores": True}),
    ({"score_mode": "concat", "use_scale": True}, True, {"use_causal_mask": True}),
    ({"dropout": 0.3}, False, {"mask": [Q_MASK, V_MASK]}),  # inference: no dropout
    ({"use_scale": True}, False, {"training": True, "mask": [Q_MASK, V_MASK]}),
]


@pytest.mark.parametrize("init, key, call", PARITY)
def test_keras_parity(init, key, call, keras, data):
    inputs = _inputs(data, key, v_dim=7 if key else 6)
    init = {"name": "attention", **init}
    ours, theirs = Attention(**init), keras.layers.Attention(**init)
    # Trained scale weights differ from their initial ones: set them away from 1.
    ours_out, _ = assert_keras_parity(ours, theirs, inputs, call_kwargs=call)
    if ours.weights:
        new = [np.asarray(1.7, dtype="float32") for _ in ours.weights]
        theirs.set_weights(new)
        assert_keras_parity(ours, theirs, inputs, call_kwargs=call)
    assert ours.get_config() == theirs.get_config()


def test_mask_and_compute_mask(data):
    q, v = (torch.from_numpy(a) for a in _inputs(data))
    layer = Attention()
    out = layer([q, v], mask=[Q_MASK, V_MASK])
    assert torch.all(out[~Q_MASK] == 0)
    assert torch.equal(layer.compute_mask([q, v], [Q_MASK, V_MASK]), Q_MASK)
    assert layer.compute_mask([q, v], None) is None
    assert layer.compute_mask([q, v], [None, V_MASK]) is None
    assert layer.supports_masking


def test_compiled_paths(no_graph_breaks, data):
    inputs = [torch.from_numpy(a) for a in _inputs(data, key=True, v_dim=7)]
    layer = Attention(use_scale=True)
    layer(inputs)
    no_graph_breaks(layer, inputs, mask=[Q_MASK, V_MASK], return_attention_scores=True)
    no_graph_breaks(layer, inputs, mask=[None, V_MASK], use_causal_mask=True)


def test_dropout_statistics(data):
    q = torch.zeros(1, 400, 4)
    v = torch.ones(1, 50, 4)
    for seed in (None, 3):
        layer = Attention(dropout=0.4, seed=seed)
        # Uniform weights 1/50; dropout keeps each with p=0.6 and scales by 1/0.6.
        _, w = layer([q, v], training=True, return_attention_scores=True)
        kept = (w > 0).float().mean().item()
        assert 0.55 < kept < 0.65
        assert torch.allclose(w[w > 0], torch.full_like(w[w > 0], 1 / 50 / 0.6))
        out = layer([q, v], training=True)
        assert abs(out.mean().item() - 1.0) < 0.05
        assert torch.allclose(layer([q, v], training=False), torch.ones(1, 400, 4))


def test_bad_inputs(data):
    q, v = (torch.from_numpy(a) for a in _inputs(data))
    layer = Attention()
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layer(q)
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layer((q, v))
    with pytest.raises(ValueError, match="Received length: 1"):
        layer([q])
    with pytest.raises(ValueError, match="mask must be a list"):
        layer([q, v], mask=Q_MASK)
    with pytest.raises(ValueError, match=r"key.shape=\(2, 4, 6\) and value.shape=\(2, 5, 6\)"):
        layer([q, v, torch.ones(2, 4, 6)])
    with pytest.raises(ValueError, match=r"query.shape=\(2, 3, 6\) and key.shape=\(2, 5, 5\)"):
        layer([q, torch.ones(2, 5, 5)])
    with pytest.raises(ValueError, match=r"same rank.*value.shape=\(2, 5\)"):
        layer([q, torch.ones(2, 5)])
    with pytest.raises(ValueError, match=r"value_mask.shape=\(2, 4\) and value.shape=\(2, 5, 6\)"):
        layer([q, v], mask=[None, torch.ones(2, 4, dtype=torch.bool)])
    with pytest.raises(ValueError, match=r"query_mask.shape=\(2, 3, 1\)"):
        layer([q, v], mask=[torch.ones(2, 3, 1, dtype=torch.bool), None])


@pytest.mark.parametrize(
    "kwargs, match",
    [({"score_mode": "add"}, "score_mode=add"), ({"dropout": 2}, "dropout=2")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Attention(**kwargs)
