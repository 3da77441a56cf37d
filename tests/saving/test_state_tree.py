"""The saveable tree (Keras' paths for kshim models) and the by-order fallback."""

import numpy as np
import pytest
import torch
from saving_zoo import NEEDS, ZOO, keras_predict, kshim_predict, randomize

import kshim
from kshim.saving.state_tree import build_tree, keras_layers, legacy_weights


def test_keras_layer_order(keras):
    for name in ZOO:
        if any(getattr(kshim.layers, n, None) is None for n in NEEDS[name]):
            continue
        km, sm = ZOO[name](keras), ZOO[name](kshim)
        ours = [
            (type(la).__name__, [tuple(w.shape) for w in la.weights]) for la in keras_layers(sm)
        ]
        theirs = [(type(la).__name__, [tuple(w.shape) for w in la.weights]) for la in km.layers]
        assert ours == theirs, name


def test_tree_paths_ignore_layer_names():
    a = ZOO["nested"](kshim)
    for _ in range(3):
        kshim.layers.Dense(1)  # shift the global name counters
    b = ZOO["nested"](kshim)
    assert [la.name for la in a.layers] != [la.name for la in b.layers]

    def paths(node, prefix=""):
        out = [f"{prefix}vars/{k}" for k, _ in node.variables]
        for name, child in node.children.items():
            out += paths(child, f"{prefix}{name}/")
        return out

    assert paths(build_tree(a)) == paths(build_tree(b))
    assert "layers/sequential/layers/batch_normalization/vars/3" in paths(build_tree(a))


def test_legacy_weight_order_puts_non_trainable_last():
    model = ZOO["nested"](kshim)
    inner = model.layers[1]
    names = [w.name for w in legacy_weights(inner)]
    assert names[-2:] == ["moving_mean", "moving_variance"]
    inner.trainable = False
    assert len(legacy_weights(inner)) == len(inner.weights)


def test_by_order_fallback_for_other_attribute_names(keras, tmp_path):
    """A Keras layer keeps its projection in ``proj`` and its recurrent-style weights in
    a ``cell`` sub-layer; the kshim port names the attribute ``projection`` and owns the
    weights itself. Names disagree, so weights are matched by order (and shapes)."""

    class KCell(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")
            self.b = self.add_weight(shape=(2,), name="b", initializer="zeros")

        def call(self, x):
            return x @ self.w + self.b

    class KLayer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = keras.layers.Dense(3)
            self.cell = KCell()

        def call(self, x):
            return self.cell(self.proj(x))

    class SLayer(kshim.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.projection = kshim.layers.Dense(3)

        def build(self, input_shape):
            self.projection.build(input_shape)
            self.w = self.add_weight(shape=(3, 2), name="w")
            self.b = self.add_weight(shape=(2,), name="b", initializer="zeros")

        def call(self, x):
            return self.projection(x) @ self.w + self.b

    x = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    kin = keras.Input((4,))
    km = keras.Model(kin, KLayer()(kin))
    randomize(km)
    km.save_weights(tmp_path / "k.weights.h5")
    sin = kshim.Input((4,))
    sm = kshim.Model(sin, SLayer()(sin))
    sm.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(kshim_predict(sm, x), keras_predict(keras, km, x), atol=1e-5)


def test_by_order_fallback_still_checks_shapes(tmp_path):
    class A(kshim.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = kshim.layers.Dense(3)

        def build(self, input_shape):
            self.first.build(input_shape)

        def call(self, x):
            return self.first(x)

    class B(A):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            del self.first
            self.other = kshim.layers.Dense(4)

        def build(self, input_shape):
            self.other.build(input_shape)

        def call(self, x):
            return self.other(x)

    a, b = A(), B()
    a.build((None, 2))
    b.build((None, 2))
    a.save_weights(tmp_path / "a.weights.h5")
    with pytest.raises(ValueError, match="'other' has weights, but the file has no such group"):
        b.load_weights(tmp_path / "a.weights.h5")


def test_direct_parameters_survive_a_round_trip(tmp_path):
    class Scaled(kshim.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.scale = torch.nn.Parameter(torch.ones(3))
            self.register_buffer("offset", torch.zeros(3))

        def call(self, x):
            return x * self.scale + self.offset

    a, b = Scaled(), Scaled()
    with torch.no_grad():
        a.scale.mul_(2.0)
        a.offset.add_(1.0)
    a.save_weights(tmp_path / "s.weights.h5")
    b.load_weights(tmp_path / "s.weights.h5")
    assert torch.equal(b.scale, a.scale) and torch.equal(b.offset, a.offset)
