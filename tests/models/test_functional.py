"""Functional models: graphs of layer calls on KerasTensors."""

import time

import numpy as np
import pytest
import torch
import torch._dynamo
from torch import nn

import kshim
from kshim.layers import Dense, Dropout


def _mlp(name=None):
    x = kshim.Input((8,), name="x")
    h = Dense(16, activation="relu")(x)
    h = Dropout(0.5)(h)
    return kshim.Model(x, Dense(3)(h), name=name)


def test_input_is_symbolic():
    x = kshim.Input((None, 4), batch_size=2, dtype="int32", name="tokens")
    assert isinstance(x, kshim.models.KerasTensor)
    assert x.shape == (2, None, 4) and x.dtype == "int32" and x.name == "tokens"
    assert kshim.Input(batch_shape=(None, 3)).shape == (None, 3)
    with pytest.raises(ValueError, match="both `shape` and `batch_shape`"):
        kshim.Input((3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="non-negative integers"):
        kshim.Input((-1,))


def test_single_input_output_runs_and_is_a_module():
    model = _mlp()
    assert isinstance(model, kshim.models.Functional) and isinstance(model, nn.Module)
    y = model(torch.randn(5, 8))
    assert y.shape == (5, 3)
    assert [type(la).__name__ for la in model.layers] == ["InputLayer", "Dense", "Dropout", "Dense"]
    assert model.input_shape == (None, 8) and model.output_shape == (None, 3)
    assert model.get_layer(index=1) is model.layers[1]
    assert model.get_layer(model.layers[3].name) is model.layers[3]
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")


def test_outputs_match_layer_by_layer_computation():
    model = _mlp()
    x = torch.randn(4, 8)
    d1, d2 = model.layers[1], model.layers[3]
    torch.testing.assert_close(model(x), d2(d1(x)))


def test_multiple_inputs_outputs_list_and_dict():
    a = kshim.Input((4,), name="a")
    b = kshim.Input((6,), name="b")
    merged = torch.cat([Dense(5)(a), Dense(5)(b)], dim=-1)
    out1 = Dense(2, name="out1")(merged)
    out2 = Dense(1, name="out2")(merged)
    model = kshim.Model([a, b], [out1, out2])
    xa, xb = torch.randn(3, 4), torch.randn(3, 6)
    y1, y2 = model([xa, xb])
    assert y1.shape == (3, 2) and y2.shape == (3, 1)
    y1d, _ = model({"a": xa, "b": xb})
    torch.testing.assert_close(y1, y1d)
    dict_model = kshim.Model({"a": a, "b": b}, {"first": out1, "second": out2})
    out = dict_model({"b": xb, "a": xa})
    assert set(out) == {"first", "second"}
    torch.testing.assert_close(out["first"], y1)
    with pytest.raises(ValueError, match=r"expects 2 input\(s\), but it received 1"):
        model([xa])
    with pytest.raises(ValueError, match=r"unknown: \['c'\], missing: \['b'\]"):
        model({"a": xa, "c": xb})


def test_wrong_input_shape_names_input_and_shapes():
    model = _mlp()
    with pytest.raises(
        ValueError,
        match=r'Input "x" of model .* expected shape \(None, 8\), but received input with shape \(2, 7\)',
    ):
        model(torch.randn(2, 7))
    with pytest.raises(ValueError, match=r"but received input with shape \(2, 8, 1\)"):
        model(torch.randn(2, 8, 1))  # the right last axis, the wrong rank
    assert model(torch.randn(5, 8)).shape[0] == 5  # any batch size passes


def test_shared_layer_has_one_set_of_weights():
    shared = Dense(4)
    a, b = kshim.Input((3,)), kshim.Input((3,))
    model = kshim.Model([a, b], shared(a) + shared(b))
    assert len(model.weights) == 2
    assert list(model.state_dict()) == ["dense.kernel", "dense.bias"]
    xa, xb = torch.randn(2, 3), torch.randn(2, 3)
    torch.testing.assert_close(model([xa, xb]), shared(xa) + shared(xb))


def test_nested_models():
    inner = _mlp(name="inner")
    x = kshim.Input((8,))
    outer = kshim.Model(x, Dense(1)(inner(x)))
    assert outer(torch.randn(2, 8)).shape == (2, 1)
    keys = list(outer.state_dict())
    assert keys[:2] == ["inner.dense.kernel", "inner.dense.bias"]
    assert len(outer.weights) == 6


def test_layer_used_twice_in_sequence():
    x = kshim.Input((4,))
    d = Dense(4)
    model = kshim.Model(x, d(d(x)))
    t = torch.randn(2, 4)
    torch.testing.assert_close(model(t), d(d(t)))


def test_ops_on_keras_tensors_are_recorded():
    x = kshim.Input((4,))
    y = (x * 2 + 1) / 2 - x
    z = y[:, :2] @ torch.ones(2, 3)
    w = torch.relu(-z)
    model = kshim.Model(x, [y, z, w])
    t = torch.randn(5, 4)
    ry, rz, rw = model(t)
    ey = (t * 2 + 1) / 2 - t
    torch.testing.assert_close(ry, ey)
    torch.testing.assert_close(rz, ey[:, :2] @ torch.ones(2, 3))
    torch.testing.assert_close(rw, torch.relu(-(ey[:, :2] @ torch.ones(2, 3))))
    assert z.shape == (None, 3)


def test_disconnected_graph_names_missing_input():
    a = kshim.Input((3,), name="a")
    b = kshim.Input((3,), name="b_missing")
    out = Dense(2)(a) + Dense(2)(b)
    with pytest.raises(ValueError, match='Graph disconnected.*"b_missing"'):
        kshim.Model(a, out)


def test_non_keras_tensor_in_inputs_or_outputs_is_type_error():
    x = kshim.Input((3,))
    with pytest.raises(TypeError, match="must be KerasTensors"):
        kshim.Model(torch.ones(3), Dense(2)(x))
    with pytest.raises(TypeError, match="must be KerasTensors"):
        kshim.Model(x, [Dense(2)(x), "nope"])


def test_training_flag_reaches_dropout():
    model = _mlp()
    x = torch.ones(64, 8)
    torch.testing.assert_close(model(x), model(x))
    torch.manual_seed(0)
    a = model(x, training=True)
    torch.manual_seed(1)
    b = model(x, training=True)
    assert not torch.allclose(a, b)
    model.train()
    torch.manual_seed(0)
    assert not torch.allclose(model(x), model(x))


def test_state_dict_keys_identical_for_twins():
    first, twin = _mlp(), _mlp()
    assert list(first.state_dict()) == list(twin.state_dict())
    assert list(first.state_dict()) == [
        "dense.kernel",
        "dense.bias",
        "dense_1.kernel",
        "dense_1.bias",
    ]
    twin.load_state_dict(first.state_dict())
    x = torch.randn(3, 8)
    torch.testing.assert_close(first(x), twin(x))


def test_user_named_layers_keep_their_names_as_keys():
    x = kshim.Input((3,))
    model = kshim.Model(x, Dense(2, name="head")(Dense(4, name="body")(x)))
    assert list(model.state_dict()) == ["body.kernel", "body.bias", "head.kernel", "head.bias"]


def test_config_round_trip_and_keras_interchange(keras):
    model = _mlp(name="mlp")
    config = model.get_config()
    assert config["input_layers"] == ["x", 0, 0]
    clone = kshim.Model.from_config(config)
    assert clone.get_config() == config
    clone.load_state_dict(model.state_dict())
    x = torch.randn(2, 8)
    torch.testing.assert_close(clone(x), model(x))
    # Keras 3 reads our config, and we read Keras' config.
    keras_model = keras.Model.from_config(config)
    keras_model.set_weights(model.get_weights())
    np.testing.assert_allclose(
        keras_model(x.numpy()).detach().numpy(), model(x).detach().numpy(), atol=1e-6
    )
    back = kshim.Model.from_config(keras_model.get_config())
    back.set_weights(keras_model.get_weights())
    torch.testing.assert_close(back(x), model(x))


def test_keras_functional_config_with_merge_layer_loads(keras):
    inp = keras.Input((3,), name="x")
    h = keras.layers.Dense(4)(inp)
    out = keras.layers.Dense(2)(h)
    km = keras.Model(inp, [out, h])
    ours = kshim.Model.from_config(km.get_config())
    ours.set_weights(km.get_weights())
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    for a, b in zip(ours(torch.from_numpy(x)), km(x)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)


def test_clone_model_functional():
    model = _mlp()
    clone = kshim.models.clone_model(model)
    assert clone is not model
    assert [type(la) for la in clone.layers] == [type(la) for la in model.layers]
    assert all(a is not b for a, b in zip(clone.layers[1:], model.layers[1:]))
    clone.load_state_dict(model.state_dict())
    x = torch.randn(2, 8)
    torch.testing.assert_close(clone(x), model(x))


def test_masks_flow_through_the_graph():
    class MaskZero(kshim.layers.Layer):
        def call(self, x):
            return x

        def compute_mask(self, inputs, mask=None):
            return inputs[..., 0] != 0

    class MaskedMean(kshim.layers.Layer):
        def call(self, x, mask=None):
            if mask is None:
                return x.mean(1)
            m = mask.unsqueeze(-1).to(x.dtype)
            return (x * m).sum(1) / m.sum(1)

    x = kshim.Input((5, 2))
    model = kshim.Model(x, MaskedMean()(MaskZero()(x)))
    t = torch.ones(1, 5, 2)
    t[:, 3:] = 0
    t[:, :3] = 3.0
    torch.testing.assert_close(model(t), torch.full((1, 2), 3.0))


def test_compiled_functional_zero_breaks_and_batch_size():
    model = _mlp()
    x = torch.randn(4, 8)
    explain = torch._dynamo.explain(model)(x)
    assert explain.graph_break_count == 0, explain.break_reasons
    graphs = []

    def backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    compiled = torch.compile(model, fullgraph=True, backend=backend)
    for b in (2, 3, 4, 5, 6, 7):
        torch.testing.assert_close(compiled(torch.ones(b, 8)), model(torch.ones(b, 8)))
    ref_graphs = []

    def ref_backend(gm, example_inputs):
        ref_graphs.append(gm)
        return gm.forward

    torch._dynamo.reset()
    ref = torch.compile(
        nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3)).eval(),
        fullgraph=True,
        backend=ref_backend,
    )
    for b in (2, 3, 4, 5, 6, 7):
        ref(torch.ones(b, 8))
    assert len(graphs) <= len(ref_graphs)


def test_building_200_layer_model_is_fast():
    start = time.perf_counter()
    x = kshim.Input((16,))
    h = x
    for _ in range(200):
        h = Dense(16)(h)
    model = kshim.Model(x, h)
    elapsed = time.perf_counter() - start
    assert len(model.layers) == 201
    assert elapsed < 5.0  # measured well under 1 s on an idle machine (see scripts/bench.py)


def test_kshim_ops_on_keras_tensors_are_recorded():
    from kshim import ops

    x = kshim.Input((4,))
    assert ops.shape(x) == (None, 4)
    y = ops.concatenate([ops.relu(x), ops.multiply(x, 2.0)], axis=-1)
    z = ops.mean(ops.reshape(y, (-1, 2, 4)), axis=1)
    model = kshim.Model(x, z)
    assert z.shape == (None, 4)
    t = torch.randn(3, 4)
    expected = torch.cat([torch.relu(t), t * 2], dim=-1).reshape(-1, 2, 4).mean(1)
    torch.testing.assert_close(model(t), expected)
    clone = kshim.Model.from_config(model.get_config())
    torch.testing.assert_close(clone(t), expected)
    assert any(
        la.get_config().get("function") == "kshim.ops.concatenate" for la in model.layers[1:]
    )


@pytest.mark.parametrize("kind", ["attention", "lstm"])
def test_masks_from_embedding_reach_sequence_layers_like_keras(keras, kind):
    inp = kshim.Input((6,), dtype="int32")
    e = kshim.layers.Embedding(10, 8, mask_zero=True)(inp)
    if kind == "attention":
        h = kshim.layers.MultiHeadAttention(num_heads=2, key_dim=4)(e, e)
        out = kshim.layers.GlobalAveragePooling1D()(h)
    else:
        out = kshim.layers.LSTM(5)(e)
    ours = kshim.Model(inp, out)
    theirs = keras.Model.from_config(ours.get_config())
    theirs.set_weights(ours.get_weights())
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 7, 8, 9]], dtype="int32")
    np.testing.assert_allclose(
        ours(torch.from_numpy(x)).detach().numpy(), theirs(x).detach().numpy(), atol=1e-5
    )
    # Sequential carries the same masks.
    seq = kshim.Sequential(
        [
            kshim.Input((6,), dtype="int32"),
            kshim.layers.Embedding(10, 8, mask_zero=True),
            kshim.layers.LSTM(5),
        ]
    )
    kseq = keras.Sequential.from_config(seq.get_config())
    kseq.set_weights(seq.get_weights())
    np.testing.assert_allclose(
        seq(torch.from_numpy(x)).detach().numpy(), kseq(x).detach().numpy(), atol=1e-5
    )


def test_activity_regularized_layer_compiles_after_eager_backward():
    import warnings

    layer = Dense(3, activity_regularizer="l2")
    x = torch.randn(4, 5, requires_grad=True)
    (layer(x).sum() + sum(layer.losses)).backward()  # leaves non-leaf losses on the layer
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = compiled(torch.randn(4, 5))
    assert y.shape == (4, 3) and len(layer.losses) == 1
