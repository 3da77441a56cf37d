import numpy as np
import pytest
import torch

from kshim.layers.attention import GroupedQueryAttention, GroupQueryAttention
from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.testing import assert_keras_parity, run_layer_test


def _mask(*shape, seed=1, p=0.6):
    return torch.from_numpy(np.random.default_rng(seed).random(shape) < p)


def _row_masked(*shape):
    m = _mask(*shape)
    m[:, :, 0] = True
    m[0, 1] = False
    return m


# (init kwargs, query shape, value shape or None, call kwargs, weights, deterministic)
HARNESS = [
    (
        {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2},
        (2, 3, 8),
        (2, 5, 8),
        {},
        8,
        True,
    ),
    (
        {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 1, "use_bias": False},
        (2, 4, 8),
        None,
        {"use_causal_mask": True, "attention_mask": _row_masked(2, 4, 4)},
        4,
        True,
    ),
    (
        {
            "head_dim": 4,
            "num_query_heads": 2,
            "num_key_value_heads": 2,
            "dropout": 0.5,
            "use_gate": True,
            "sliding_window": 2,
        },
        (2, 4, 8),
        None,
        {},
        10,
        False,
    ),
]


@pytest.mark.parametrize("init, q_shape, v_shape, call, n_weights, det", HARNESS)
def test_layer(init, q_shape, v_shape, call, n_weights, det, data):
    q = torch.from_numpy(data(*q_shape))
    v = q if v_shape is None else torch.from_numpy(data(*v_shape, seed=1))
    run_layer_test(
        GroupedQueryAttention,
        init,
        input_data=q,
        call_kwargs={"value": v, **call},
        expected_output_shape=q_shape,
        expected_num_trainable_weights=n_weights,
        expected_num_non_trainable_weights=0,
        deterministic_in_training=det,
    )


def test_symbolic_and_meta():
    layer = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    out, scores = symbolic_call(
        layer,
        (KerasTensor((None, 3, 8)),),
        {"value": KerasTensor((None, 5, 8)), "return_attention_scores": True},
    )
    assert out.shape == (None, 3, 8) and scores.shape == (None, 4, 3, 5)
    assert layer.compute_output_shape((None, 3, 8), (None, 5, 8)) == (None, 3, 8)
    fresh = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    q = torch.empty(2, 3, 8, device="meta")
    v = torch.empty(2, 5, 8, device="meta")
    out = fresh(q, v, attention_mask=torch.ones(2, 3, 5, dtype=torch.bool, device="meta"))
    assert out.device.type == "meta" and tuple(out.shape) == (2, 3, 8)
    assert all(w.device.type == "meta" for w in fresh.weights)


def test_keras_name_and_layout(keras, data):
    assert GroupQueryAttention is GroupedQueryAttention
    q = data(2, 3, 8)
    ours = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    theirs = keras.layers.GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    ours(torch.from_numpy(q), torch.from_numpy(q))
    theirs(q, q)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == [
        f"{m.name}/{w.name}" for m in ours.children() for w in m.weights
    ]


PARITY = [
    ({}, (2, 3, 8), None, {}),
    ({}, (2, 3, 8), (2, 5, 8), {}),
    ({"num_key_value_heads": 1}, (2, 4, 8), None, {"use_causal_mask": True}),
    (
        {"num_key_value_heads": 4},
        (2, 4, 8),
        None,
        {"use_causal_mask": True, "return_attention_scores": True},
    ),
    ({}, (2, 3, 8), (2, 5, 8), {"attention_mask": _row_masked(2, 3, 5)}),
    (
        {},
        (2, 3, 8),
        (2, 5, 8),
        {"attention_mask": _row_masked(2, 3, 5), "return_attention_scores": True},
    ),
    ({"dropout": 0.2}, (2, 3, 8), (2, 5, 8), {"attention_mask": _row_masked(2, 3, 5)}),
    ({}, (2, 3, 8), (2, 5, 8), {"value_mask": _mask(2, 5), "use_causal_mask": True}),
    ({"use_gate": True, "sliding_window": 2, "use_bias": False}, (2, 5, 8), None, {}),
    ({}, (2, 3, 8), (2, 5, 8), {"training": True}),
]


@pytest.mark.parametrize("init, q_shape, v_shape, call", PARITY)
def test_keras_parity(init, q_shape, v_shape, call, keras, data):
    q = data(*q_shape)
    kwargs = dict(call)
    kwargs["value"] = torch.from_numpy(q if v_shape is None else data(*v_shape, seed=1))
    init = {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2, "name": "gqa", **init}
    ours, theirs = GroupedQueryAttention(**init), keras.layers.GroupQueryAttention(**init)
    assert_keras_parity(ours, theirs, q, call_kwargs=kwargs)
    assert ours.get_config() == theirs.get_config()


def test_key_argument_parity(keras, data):
    q, v, k = data(2, 3, 8), data(2, 5, 6, seed=1), data(2, 5, 7, seed=2)
    init = {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2}
    ours, theirs = GroupedQueryAttention(**init), keras.layers.GroupQueryAttention(**init)
    assert_keras_parity(
        ours, theirs, q, call_kwargs={"value": torch.from_numpy(v), "key": torch.from_numpy(k)}
    )


def test_get_config_matches_keras(keras):
    init = {
        "head_dim": 4,
        "num_query_heads": 6,
        "num_key_value_heads": 3,
        "dropout": 0.1,
        "use_bias": False,
        "sliding_window": 3,
        "use_gate": True,
        "kernel_initializer": "he_uniform",
        "kernel_regularizer": "l2",
        "activity_regularizer": "l1",
        "bias_constraint": "non_neg",
        "seed": 5,
        "name": "gqa",
    }
    ours, theirs = GroupedQueryAttention(**init), keras.layers.GroupQueryAttention(**init)
    assert ours.get_config() == theirs.get_config()
    assert GroupedQueryAttention.from_config(ours.get_config()).get_config() == ours.get_config()


def test_activity_regularizer_on_layer_and_projections(keras, data):
    q = data(2, 3, 8)
    init = {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2}
    ours = GroupedQueryAttention(activity_regularizer="l2", **init)
    theirs = keras.layers.GroupQueryAttention(activity_regularizer="l2", **init)
    ours(torch.from_numpy(q), torch.from_numpy(q))
    theirs(q, q)
    # Keras penalizes each projection's output and the layer's own.
    assert len(ours.losses) == len(theirs.losses) == 5


def test_bad_inputs(data):
    q, v = torch.from_numpy(data(2, 3, 8)), torch.from_numpy(data(2, 5, 8))
    layer = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    with pytest.raises(ValueError, match=r"value_shape=\(2, 5, 8\) and key_shape=\(2, 4, 8\)"):
        layer(q, v, key=torch.ones(2, 4, 8))
    layer(q, v)
    with pytest.raises(ValueError, match=r"value_shape=\(2, 5, 8\) and key_shape=\(2, 4, 8\)"):
        layer(q, v, key=torch.ones(2, 4, 8))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        layer(torch.ones(2, 8), v)
    with pytest.raises(ValueError, match=r"`value`.*value.shape=\(2, 5, 7\)"):
        layer(q, torch.ones(2, 5, 7))
    with pytest.raises(ValueError, match=r"attention_mask.shape=\(2, 3, 4\)"):
        layer(q, v, attention_mask=torch.ones(2, 3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"key_mask.shape=\(2, 3\) and key.shape=\(2, 5, 8\)"):
        layer(q, v, key_mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"`query` of rank 3.*query_shape=\(2, 3, 4, 8\)"):
        GroupedQueryAttention(4, 4, 2)(torch.ones(2, 3, 4, 8), torch.ones(2, 3, 4, 8))
    with pytest.raises(ValueError, match=r"query_shape=\(None, 3, 8\), value_shape=\(None, 5, 6\)"):
        layer.compute_output_shape((None, 3, 8), (None, 5, 6))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"head_dim": 0, "num_query_heads": 4, "num_key_value_heads": 2}, "head_dim=0"),
        ({"head_dim": 4, "num_query_heads": 4.0, "num_key_value_heads": 2}, "num_query_heads=4.0"),
        ({"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 3}, "divisible"),
        (
            {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2, "dropout": -0.1},
            "dropout",
        ),
        (
            {"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 2, "sliding_window": -1},
            "sliding_window=-1",
        ),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GroupedQueryAttention(**kwargs)
