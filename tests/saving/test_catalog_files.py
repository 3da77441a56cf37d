"""Every weighted layer of the catalog through ``.weights.h5`` both ways: the weights
Keras 3 reads from a kshim file (and kshim from a Keras file) equal the written ones."""

import numpy as np
import pytest
from saving_zoo import randomize

import kshim

pytestmark = pytest.mark.parity

# (layer class, constructor kwargs, input shape without batch, input dtype)
CATALOG = [
    ("Dense", {"units": 3, "use_bias": False}, (4,), "float32"),
    (
        "EinsumDense",
        {"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"},
        (3,),
        "float32",
    ),
    ("Embedding", {"input_dim": 10, "output_dim": 3}, (4,), "int32"),
    ("Conv1D", {"filters": 3, "kernel_size": 2}, (6, 2), "float32"),
    ("Conv2D", {"filters": 3, "kernel_size": 2}, (5, 5, 2), "float32"),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (4, 4, 4, 1), "float32"),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2}, (4, 4, 3), "float32"),
    ("DepthwiseConv2D", {"kernel_size": 2}, (5, 5, 3), "float32"),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 2}, (5, 5, 3), "float32"),
    ("SimpleRNN", {"units": 3}, (5, 2), "float32"),
    ("LSTM", {"units": 3}, (5, 2), "float32"),
    ("GRU", {"units": 3}, (5, 2), "float32"),
    ("BatchNormalization", {}, (4,), "float32"),
    ("LayerNormalization", {}, (4,), "float32"),
    ("PReLU", {}, (4,), "float32"),
]


def _model(lib, cls, kwargs, shape, dtype):
    layer = getattr(lib.layers, cls)(**kwargs)
    return lib.Sequential([lib.Input(shape, dtype=dtype), layer])


def _wrapped(lib):
    L = lib.layers
    return lib.Sequential([lib.Input((5, 2)), L.Bidirectional(L.LSTM(2)), L.Dense(1)])


def _check(cls):
    if getattr(kshim.layers, cls, None) is None:
        pytest.skip(f"kshim.layers has no {cls} yet")


def _assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert [np.shape(w) for w in wa] == [np.shape(w) for w in wb]
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("cls, kwargs, shape, dtype", CATALOG, ids=[c[0] for c in CATALOG])
def test_catalog_layer_both_ways(cls, kwargs, shape, dtype, keras, tmp_path):
    _check(cls)
    km, sm = _model(keras, cls, kwargs, shape, dtype), _model(kshim, cls, kwargs, shape, dtype)
    randomize(km, seed=2)
    km.save_weights(tmp_path / "k.weights.h5")
    sm.load_weights(tmp_path / "k.weights.h5")
    _assert_same_weights(sm, km)
    randomize(sm, seed=3)
    sm.save_weights(tmp_path / "s.weights.h5")
    km.load_weights(tmp_path / "s.weights.h5")
    _assert_same_weights(km, sm)


def test_bidirectional_both_ways(keras, tmp_path):
    _check("Bidirectional")
    km, sm = _wrapped(keras), _wrapped(kshim)
    randomize(km, seed=2)
    km.save_weights(tmp_path / "k.weights.h5")
    sm.load_weights(tmp_path / "k.weights.h5")
    _assert_same_weights(sm, km)
    randomize(sm, seed=3)
    sm.save_weights(tmp_path / "s.weights.h5")
    km.load_weights(tmp_path / "s.weights.h5")
    _assert_same_weights(km, sm)
