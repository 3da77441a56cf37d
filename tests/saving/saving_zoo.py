"""Models built the same way with Keras 3 and with kshim, and helpers, for the file tests
(imported by name ``saving_zoo``; ``conftest.py`` registers it).

``ZOO[name](lib)`` builds the model with ``lib`` (the ``keras`` module or ``kshim``);
``needs[name]`` lists the layer classes it uses, so a case is skipped only while kshim
lacks one of them.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

import kshim


def _mlp(lib):
    L = lib.layers
    x = lib.Input((4,))
    h = L.Dense(8, activation="relu")(x)
    return lib.Model(x, L.Dense(3)(h))


def _sequential(lib):
    L = lib.layers
    return lib.Sequential(
        [lib.Input((4,)), L.Dense(8, activation="tanh"), L.Dropout(0.2), L.Dense(3)]
    )


def _cnn(lib):
    L = lib.layers
    x = lib.Input((8, 8, 3))
    h = L.Conv2D(4, 3, activation="relu")(x)
    h = L.BatchNormalization()(h)
    h = L.Conv2D(2, 3, padding="same")(h)
    h = L.BatchNormalization()(h)
    h = L.Flatten()(h)
    return lib.Model(x, L.Dense(3)(h))


def _rnn(lib):
    L = lib.layers
    x = lib.Input((6,), dtype="int32")
    h = L.Embedding(12, 4)(x)
    h = L.LSTM(5, return_sequences=True)(h)
    return lib.Model(x, L.GRU(3)(h))


def _transformer(lib):
    L = lib.layers
    x = lib.Input((5, 8))
    a = L.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
    h = L.LayerNormalization()(L.Add()([x, a]))
    f = L.Dense(16, activation="relu")(h)
    f = L.Dense(8)(f)
    return lib.Model(x, L.LayerNormalization()(L.Add()([h, f])))


def _branchy(lib):
    # Two Dense layers at different depths: Keras' layer order (by depth) differs from a
    # plain depth-first order, and decides which one is "dense" and which "dense_1".
    L = lib.layers
    x = lib.Input((4,))
    a = L.Dense(3)(x)
    b = L.Dense(3)(L.Dense(5)(x))
    return lib.Model(x, L.Dense(2)(L.Add()([a, b])))


def _nested(lib):
    L = lib.layers
    inner = lib.Sequential([lib.Input((4,)), L.Dense(6), L.BatchNormalization(), L.Dense(3)])
    x = lib.Input((4,))
    return lib.Model(x, L.Dense(2)(inner(x)))


ZOO = {
    "mlp": _mlp,
    "sequential": _sequential,
    "cnn_batchnorm": _cnn,
    "embedding_lstm_gru": _rnn,
    "transformer_block": _transformer,
    "branchy": _branchy,
    "nested": _nested,
}
NEEDS = {
    "mlp": ["Dense"],
    "sequential": ["Dense", "Dropout"],
    "cnn_batchnorm": ["Conv2D", "BatchNormalization", "Flatten", "Dense"],
    "embedding_lstm_gru": ["Embedding", "LSTM", "GRU"],
    "transformer_block": ["MultiHeadAttention", "LayerNormalization", "Add", "Dense"],
    "branchy": ["Dense", "Add"],
    "nested": ["Dense", "BatchNormalization"],
}


def require_kshim_layers(names):
    missing = [n for n in names if getattr(kshim.layers, n, None) is None]
    if missing:
        pytest.skip(f"kshim.layers has no {', '.join(missing)} yet")


def sample_input(name, seed=0):
    rng = np.random.default_rng(seed)
    if name == "embedding_lstm_gru":
        return rng.integers(0, 12, size=(3, 6)).astype("int32")
    shapes = {"cnn_batchnorm": (3, 8, 8, 3), "transformer_block": (3, 5, 8)}
    return rng.standard_normal(shapes.get(name, (3, 4))).astype("float32")


def randomize(model, seed=1):
    """Gives every weight a random value (moving variances a positive one), so that a load
    that put a weight in the wrong place shows in the outputs."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        name = str(getattr(w, "name", ""))
        if "variance" in name:
            values.append(rng.uniform(0.5, 1.5, size=shape).astype("float32"))
        else:
            values.append(rng.uniform(-0.5, 0.5, size=shape).astype("float32"))
    model.set_weights(values)


def kshim_predict(model, x):
    with torch.no_grad():
        return model(torch.from_numpy(x)).detach().cpu().numpy()


def keras_predict(keras, model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def snapshot(model):
    return [w.detach().clone() for w in model.weights]


def assert_unchanged(model, before):
    after = [w.detach() for w in model.weights]
    assert len(after) == len(before)
    for a, b in zip(after, before):
        assert torch.equal(a, b)
