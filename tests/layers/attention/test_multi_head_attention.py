import numpy as np
import pytest
import torch

from kshim.layers.attention import MultiHeadAttention
from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.testing import assert_keras_parity, run_layer_test


def _mask(*shape, seed=1, p=0.6):
    return torch.from_numpy(np.random.default_rng(seed).random(shape) < p)


def _row_masked(*shape):
    """A (batch, T, S) attention mask with some True entries and one fully masked row."""
    m = _mask(*shape)
    m[:, :, 0] = True
    m[0, 1] = False
    return m


# (init kwargs, query shape, value shape or None for self-attention, call kwargs, output
# shape, number of weights, deterministic in training)
HARNESS = [
    ({"num_heads": 2, "key_dim": 4}, (2, 3, 8), (2, 5, 6), {}, (2, 3, 8), 8, True),
    (
        {"num_heads": 2, "key_dim": 4, "value_dim": 3, "use_bias": False, "output_shape": (2, 5)},
        (2, 3, 8),
        (2, 5, 6),
        {"attention_mask": _row_masked(2, 3, 5)},
        (2, 3, 2, 5),
        4,
        True,
    ),
    (
        {"num_heads": 2, "key_dim": 4, "use_gate": True, "sliding_window": 2},
        (2, 4, 8),
        None,
        {"use_causal_mask": True},
        (2, 4, 8),
        10,
        True,
    ),
    (
        {"num_heads": 2, "key_dim": 4, "attention_axes": (1, 2)},
        (2, 3, 2, 8),
        None,
        {},
        (2, 3, 2, 8),
        8,
        True,
    ),
    (
        {"num_heads": 2, "key_dim": 4, "dropout": 0.5},
        (2, 3, 8),
        (2, 5, 6),
        {"attention_mask": _row_masked(2, 3, 5)},
        (2, 3, 8),
        8,
        False,
    ),
    (
        {"num_heads": 2, "key_dim": 4, "dropout": 0.5, "seed": 3},
        (2, 3, 8),
        None,
        {},
        (2, 3, 8),
        8,
        False,
    ),
]


@pytest.mark.parametrize("init, q_shape, v_shape, call, out_shape, n_weights, det", HARNESS)
def test_layer(init, q_shape, v_shape, call, out_shape, n_weights, det, data):
    q = torch.from_numpy(data(*q_shape))
    v = q if v_shape is None else torch.from_numpy(data(*v_shape, seed=1))
    # The harness passes one input: ``value`` (and the masks) ride in the call kwargs.
    run_layer_test(
        MultiHeadAttention,
        init,
        input_data=q,
        call_kwargs={"value": v, **call},
        expected_output_shape=out_shape,
        expected_num_trainable_weights=n_weights,
        expected_num_non_trainable_weights=0,
        deterministic_in_training=det,
    )


def test_symbolic_and_meta():
    layer = MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3)
    out, scores = symbolic_call(
        layer,
        (KerasTensor((None, 3, 8)),),
        {"value": KerasTensor((None, 5, 6)), "return_attention_scores": True},
    )
    assert out.shape == (None, 3, 8)
    assert scores.shape == (None, 2, 3, 5)
    assert layer.compute_output_shape((None, 3, 8), (None, 5, 6)) == (None, 3, 8)
    layer = MultiHeadAttention(num_heads=2, key_dim=4, output_shape=5)
    out = symbolic_call(layer, (KerasTensor((None, 3, 8)),), {"value": KerasTensor((None, 5, 6))})
    assert out.shape == (None, 3, 5)

    fresh = MultiHeadAttention(num_heads=2, key_dim=4)
    q, v = torch.empty(2, 3, 8, device="meta"), torch.empty(2, 5, 6, device="meta")
    am = torch.empty(2, 3, 5, dtype=torch.bool, device="meta")
    out, scores = fresh(q, v, attention_mask=am, return_attention_scores=True)
    assert out.device.type == "meta" and tuple(out.shape) == (2, 3, 8)
    assert tuple(scores.shape) == (2, 2, 3, 5)
    assert all(w.device.type == "meta" for w in fresh.weights)
    assert tuple(fresh(q, v, use_causal_mask=True).shape) == (2, 3, 8)


def test_weights_match_keras_layout(keras, data):
    q, v, k = data(2, 3, 8), data(2, 5, 6), data(2, 5, 7)
    ours = MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, use_gate=True)
    theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, use_gate=True)
    ours(torch.from_numpy(q), torch.from_numpy(v), key=torch.from_numpy(k))
    theirs(q, v, key=k)
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == [
        f"{m.name}/{w.name}" for m in ours.children() for w in m.weights
    ]
    assert list(ours.state_dict())[:2] == ["_query_dense.kernel", "_query_dense.bias"]


# (init kwargs, query shape, value shape or None, key shape or None, call kwargs)
PARITY = [
    ({}, (2, 3, 8), None, None, {}),  # self-attention
    ({}, (2, 3, 8), (2, 5, 6), None, {}),  # cross-attention
    ({"value_dim": 3}, (2, 3, 8), (2, 5, 6), (2, 5, 7), {}),
    ({}, (2, 3, 8), (2, 5, 6), None, {"attention_mask": _row_masked(2, 3, 5)}),
    (
        {},
        (2, 3, 8),
        (2, 5, 6),
        None,
        {"attention_mask": _row_masked(2, 3, 5), "return_attention_scores": True},
    ),
    # Keras takes its explicit path when dropout > 0: a fully masked row gives zeros.
    ({"dropout": 0.3}, (2, 3, 8), (2, 5, 6), None, {"attention_mask": _row_masked(2, 3, 5)}),
    ({}, (2, 4, 8), None, None, {"use_causal_mask": True}),
    ({}, (2, 3, 8), (2, 5, 6), None, {"use_causal_mask": True}),  # SDPA is_causal, T != S
    ({}, (2, 5, 8), (2, 3, 6), None, {"use_causal_mask": True}),
    ({}, (2, 4, 8), None, None, {"use_causal_mask": True, "return_attention_scores": True}),
    (
        {},
        (2, 3, 8),
        (2, 5, 6),
        None,
        {"use_causal_mask": True, "attention_mask": _mask(3, 5, seed=4)},
    ),
    ({}, (2, 3, 8), (2, 5, 6), None, {"value_mask": _mask(2, 5), "key_mask": _mask(2, 5, seed=2)}),
    ({"output_shape": (2, 5), "use_bias": False}, (2, 3, 8), (2, 5, 6), None, {}),
    ({"output_shape": 5}, (2, 3, 8), None, None, {"return_attention_scores": True}),
    ({"attention_axes": (1, 2)}, (2, 3, 2, 8), None, None, {"return_attention_scores": True}),
    (
        {"attention_axes": 2},
        (2, 3, 4, 8),
        (2, 3, 5, 6),
        None,
        {"attention_mask": _mask(2, 3, 4, 5)},
    ),
    ({"use_gate": True, "sliding_window": 2}, (2, 5, 8), None, None, {"use_causal_mask": True}),
    ({"sliding_window": 2}, (2, 5, 8), None, None, {"return_attention_scores": True}),
    ({}, (2, 3, 8), (2, 5, 6), None, {"training": True}),
]


@pytest.mark.parametrize("init, q_shape, v_shape, k_shape, call", PARITY)
def test_keras_parity(init, q_shape, v_shape, k_shape, call, keras, data):
    q = data(*q_shape)
    kwargs = dict(call)
    if v_shape is not None:
        kwargs["value"] = torch.from_numpy(data(*v_shape, seed=1))
    else:
        kwargs["value"] = torch.from_numpy(q)
    if k_shape is not None:
        kwargs["key"] = torch.from_numpy(data(*k_shape, seed=2))
    init = {"num_heads": 2, "key_dim": 4, "name": "mha", **init}
    ours, theirs = MultiHeadAttention(**init), keras.layers.MultiHeadAttention(**init)
    assert_keras_parity(ours, theirs, q, call_kwargs=kwargs)
    assert ours.get_config() == theirs.get_config()


def test_query_mask_parity(keras, data):
    # Keras reads the query mask from the query tensor (``_keras_mask``) and ignores the
    # argument; kshim attaches nothing to tensors, so the argument carries it.
    from keras.src import backend

    q, v = data(2, 3, 8), data(2, 5, 6, seed=1)
    q_mask = torch.tensor([[True, False, True], [False, True, True]])
    v_mask = _mask(2, 5)
    for scores in (False, True):
        ours = MultiHeadAttention(num_heads=2, key_dim=4)
        theirs = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
        kq = torch.from_numpy(q)
        ours(kq, torch.from_numpy(v))
        theirs(kq, torch.from_numpy(v))
        ours.set_weights(theirs.get_weights())
        kq = torch.from_numpy(q.copy())
        backend.set_keras_mask(kq, q_mask)
        expected = theirs(
            kq, torch.from_numpy(v), value_mask=v_mask, return_attention_scores=scores
        )
        got = ours(
            torch.from_numpy(q),
            torch.from_numpy(v),
            query_mask=q_mask,
            value_mask=v_mask,
            return_attention_scores=scores,
        )
        for a, b in zip(got if scores else [got], expected if scores else [expected]):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)


def test_fully_masked_rows_follow_keras(data):
    """Keras' fused path attends uniformly on a fully masked row (finite bias); its
    explicit path (scores requested, or dropout > 0) gives zero probabilities."""
    q, v = torch.from_numpy(data(1, 2, 8)), torch.from_numpy(data(1, 3, 8, seed=1))
    mask = torch.tensor([[[True, True, False], [False, False, False]]])
    layer = MultiHeadAttention(num_heads=2, key_dim=4, use_bias=False)
    out, scores = layer(q, v, attention_mask=mask, return_attention_scores=True)
    assert torch.all(scores[0, :, 1] == 0)
    assert torch.allclose(out[0, 1], torch.zeros(8))
    fused = layer(q, v, attention_mask=mask)
    assert torch.allclose(fused[:, 0], out[:, 0], atol=1e-6)
    uniform = layer._project(layer._output_dense, layer.value_dense(v).mean(1), 2)
    assert torch.allclose(fused[0, 1], uniform[0], atol=1e-6)
    assert not torch.isnan(fused).any()


def test_compiled_paths(no_graph_breaks, data):
    q, v = torch.from_numpy(data(2, 3, 8)), torch.from_numpy(data(2, 5, 6, seed=1))
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    layer(q, v)
    am, vm = _row_masked(2, 3, 5), _mask(2, 5)
    no_graph_breaks(layer, q, v, attention_mask=am, value_mask=vm, return_attention_scores=True)
    no_graph_breaks(layer, q, v, use_causal_mask=True, query_mask=_mask(2, 3))
    layer = MultiHeadAttention(num_heads=2, key_dim=4, activity_regularizer="l2")
    # Without autograd: a traced call reads the activity losses the previous call stored,
    # and dynamo warns on non-leaf ones (a Layer base issue, reported).
    with torch.no_grad():
        layer(q, v)
        no_graph_breaks(layer, q, v, use_causal_mask=True)


def _regularized(keras, data):
    q, v = data(2, 3, 8), data(2, 5, 6, seed=1)
    init = {
        "num_heads": 2,
        "key_dim": 4,
        "kernel_regularizer": "l2",
        "bias_regularizer": "l1",
        "activity_regularizer": "l2",
        "kernel_initializer": "he_normal",
        "bias_initializer": "ones",
        "kernel_constraint": "non_neg",
        "name": "mha",
    }
    ours, theirs = MultiHeadAttention(**init), keras.layers.MultiHeadAttention(**init)
    assert_keras_parity(ours, theirs, q, call_kwargs={"value": torch.from_numpy(v)})
    assert ours.get_config() == theirs.get_config()
    # Keras: one activity loss per projection (4), then kernel and bias penalties (8).
    assert len(ours.losses) == len(theirs.losses) == 12
    return [float(x.detach()) for x in ours.losses], [float(x.detach()) for x in theirs.losses]


def test_regularizer_losses_match_keras(keras, data):
    ours, theirs = _regularized(keras, data)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_get_config_matches_keras(keras):
    init = {
        "num_heads": 3,
        "key_dim": 4,
        "value_dim": 5,
        "dropout": 0.1,
        "use_bias": False,
        "output_shape": [2, 3],
        "attention_axes": -2,
        "sliding_window": 4,
        "use_gate": True,
        "seed": 7,
        "name": "mha",
    }
    ours, theirs = MultiHeadAttention(**init), keras.layers.MultiHeadAttention(**init)
    assert ours.get_config() == theirs.get_config()
    revived = MultiHeadAttention.from_config(ours.get_config())
    assert revived.get_config() == ours.get_config()


def test_initializers_are_cloned_per_projection():
    layer = MultiHeadAttention(
        num_heads=2,
        key_dim=4,
        kernel_initializer={"class_name": "GlorotUniform", "config": {"seed": 1}},
    )
    layer(torch.ones(1, 2, 8), torch.ones(1, 2, 8))
    kernels = [layer.query_dense.kernel, layer.key_dense.kernel, layer.value_dense.kernel]
    # Same seed and shape: Keras' clones give equal kernels; they are separate tensors.
    assert kernels[0].data_ptr() != kernels[1].data_ptr()
    # Fans come from the einsum axes: dim 8 in, 2 * 4 out.
    limit = (6 / (8 + 8)) ** 0.5
    assert float(kernels[0].detach().abs().max()) <= limit


def test_bad_inputs(data):
    q, v = torch.from_numpy(data(2, 3, 8)), torch.from_numpy(data(2, 5, 6))
    layer = MultiHeadAttention(num_heads=2, key_dim=4)
    with pytest.raises(ValueError, match=r"value_shape=\(2, 5, 6\) and key_shape=\(2, 4, 6\)"):
        layer(q, v, key=torch.ones(2, 4, 6))  # at build
    layer(q, v)
    with pytest.raises(ValueError, match=r"value_shape=\(2, 5, 6\) and key_shape=\(2, 4, 6\)"):
        layer(q, v, key=torch.ones(2, 4, 6))  # after build
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4"):
        layer(torch.ones(2, 3, 1, 8), v)
    with pytest.raises(ValueError, match=r"`value`.*value.shape=\(2, 5\) and query.shape"):
        layer(q, torch.ones(2, 5))
    with pytest.raises(ValueError, match=r"`key`.*key.shape=\(2, 5, 3\)"):
        layer(q, v, key=torch.ones(2, 5, 3))
    with pytest.raises(ValueError, match=r"`query` and `value`.*query.shape=\(2, 3, 8\)"):
        layer(q, torch.ones(3, 5, 6))
    with pytest.raises(
        ValueError, match=r"attention_mask.shape=\(2, 5, 3\), query.shape=\(2, 3, 8\)"
    ):
        layer(q, v, attention_mask=torch.ones(2, 5, 3, dtype=torch.bool))
    with pytest.raises(
        ValueError, match=r"`value_mask`.*value_mask.shape=\(2, 4\) and value.shape"
    ):
        layer(q, v, value_mask=torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"query_mask.shape=\(3,\) and query.shape=\(2, 3, 8\)"):
        layer(q, v, query_mask=torch.ones(3, dtype=torch.bool))
    with pytest.raises(ValueError, match="rank 3 or more"):
        MultiHeadAttention(num_heads=2, key_dim=4)(torch.ones(2, 8), torch.ones(2, 8))
    with pytest.raises(ValueError, match=r"`value` must have the rank of `query`"):
        MultiHeadAttention(num_heads=2, key_dim=4)(q, torch.ones(2, 1, 5, 6))
    with pytest.raises(ValueError, match=r"attention_axes=\(0,\)"):
        MultiHeadAttention(num_heads=2, key_dim=4, attention_axes=0)(q, v)
    with pytest.raises(ValueError, match="Returning attention scores is not supported"):
        MultiHeadAttention(num_heads=2, key_dim=4, flash_attention=True)(
            q, v, return_attention_scores=True
        )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_heads": 0, "key_dim": 4}, "num_heads=0"),
        ({"num_heads": 2, "key_dim": "4"}, "key_dim=4"),
        ({"num_heads": 2, "key_dim": 4, "value_dim": -1}, "value_dim=-1"),
        ({"num_heads": 2, "key_dim": 4, "dropout": 1.5}, "dropout=1.5"),
        ({"num_heads": 2, "key_dim": 4, "attention_axes": "1"}, "attention_axes=1"),
        ({"num_heads": 2, "key_dim": 4, "output_shape": object()}, "Invalid `output_shape`"),
        ({"num_heads": 2, "key_dim": 4, "sliding_window": 0}, "sliding_window=0"),
        ({"num_heads": 2, "key_dim": 4, "flash_attention": True, "dropout": 0.1}, "flash"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultiHeadAttention(**kwargs)
