"""Legacy tf.keras HDF5 files: handmade tf.keras 2 files (no TensorFlow needed), and
Keras 3's ``model.save("m.h5")`` files read as weights-only files."""

import json

import h5py
import numpy as np
import pytest
import torch
from saving_zoo import ZOO, assert_unchanged, keras_predict, kshim_predict, randomize, snapshot

import kshim

RNG = np.random.default_rng(0)
W0, B0 = RNG.standard_normal((4, 8)).astype("float32"), RNG.standard_normal(8).astype("float32")
W1, B1 = RNG.standard_normal((8, 3)).astype("float32"), RNG.standard_normal(3).astype("float32")


def _reference(x):
    return np.maximum(x @ W0 + B0, 0) @ W1 + B1


def _dense_config(name, units, activation):
    return {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "units": units,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


def _write_weights(group, layers):
    """tf.keras 2's weights layout: names ending in ':0', one group per layer."""
    group.attrs["layer_names"] = np.array([name.encode() for name, _ in layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.13.1"
    for name, weights in layers:
        g = group.create_group(name)
        names = [f"{name}/{w}:0".encode() for w, _ in weights]
        g.attrs["weight_names"] = np.array(names) if names else np.array([], dtype="S1")
        for (_, value), full in zip(weights, names):
            g.create_dataset(full.decode(), data=value)


_LAYERS = [
    ("input_1", []),
    ("dense", [("kernel", W0), ("bias", B0)]),
    ("dense_1", [("kernel", W1), ("bias", B1)]),
]


def _tf_keras_functional(path):
    config = {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": [None, 4],
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "input_1",
                    },
                    "name": "input_1",
                    "inbound_nodes": [],
                },
                {
                    "class_name": "Dense",
                    "config": _dense_config("dense", 8, "relu"),
                    "name": "dense",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                },
                {
                    "class_name": "Dense",
                    "config": _dense_config("dense_1", 3, "linear"),
                    "name": "dense_1",
                    "inbound_nodes": [[["dense", 0, 0, {}]]],
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["dense_1", 0, 0]],
        },
        "keras_version": "2.13.1",
        "backend": "tensorflow",
    }
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.13.1"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        _write_weights(f.create_group("model_weights"), _LAYERS)


def _tf_keras_sequential(path):
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": [None, 4],
                        "dtype": "float32",
                        "name": "dense_input",
                    },
                },
                {"class_name": "Dense", "config": _dense_config("dense", 8, "relu")},
                {"class_name": "Dense", "config": _dense_config("dense_1", 3, "linear")},
            ],
        },
    }
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        _write_weights(f.create_group("model_weights"), _LAYERS[1:])


@pytest.mark.parametrize("writer", [_tf_keras_functional, _tf_keras_sequential])
def test_tf_keras_model_file(tmp_path, writer):
    path = tmp_path / "tf_keras.h5"
    writer(path)
    model = kshim.saving.load_model(path)
    x = RNG.standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(kshim_predict(model, x), _reference(x), rtol=1e-5, atol=1e-5)


def _mlp_with_other_names():
    # Built in "another process": auto-named layers get other numbers than in the file.
    kshim.layers.Dense(1)
    kshim.layers.Dense(1)
    return ZOO["mlp"](kshim)


def test_tf_keras_weights_only_file_matched_by_order(tmp_path):
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        _write_weights(f, _LAYERS)
    model = _mlp_with_other_names()
    assert [la.name for la in model.layers[1:]] != ["dense", "dense_1"]
    model.load_weights(path)
    x = RNG.standard_normal((5, 4)).astype("float32")
    np.testing.assert_allclose(kshim_predict(model, x), _reference(x), rtol=1e-5, atol=1e-5)


def test_by_name_loads_only_matching_layers(tmp_path):
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        _write_weights(f, _LAYERS)
    x = kshim.Input((4,))
    h = kshim.layers.Dense(8, activation="relu", name="dense")(x)
    model = kshim.Model(x, kshim.layers.Dense(3, name="head")(h))
    head_before = model.get_layer("head").kernel.detach().clone()
    model.load_weights(path, by_name=True)
    np.testing.assert_array_equal(model.get_layer("dense").kernel.detach().numpy(), W0)
    assert torch.equal(model.get_layer("head").kernel, head_before)
    with pytest.raises(ValueError, match="by_name"):
        model.load_weights(tmp_path / "w.weights.h5", by_name=True)


def test_legacy_count_mismatch_leaves_model_unchanged(tmp_path):
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        _write_weights(f, _LAYERS[:2])
    model = _mlp_with_other_names()
    before = snapshot(model)
    with pytest.raises(ValueError, match=r"weights\.h5.*2 layer\(s\) with weights.*1"):
        model.load_weights(path)
    assert_unchanged(model, before)


def test_keras_full_h5_as_weights_file(keras, tmp_path):
    """Keras 3 cannot write weights-only .h5 files, but its model files hold the same
    layout under ``model_weights``; load_weights reads them into a model built in code."""
    for name in ("nested", "cnn_batchnorm"):
        km = ZOO[name](keras)
        randomize(km)
        km.save(tmp_path / f"{name}.h5")
        sm = ZOO[name](kshim)
        sm.load_weights(tmp_path / f"{name}.h5")
        from saving_zoo import sample_input

        x = sample_input(name)
        np.testing.assert_allclose(kshim_predict(sm, x), keras_predict(keras, km, x), atol=1e-5)


def test_kshim_weights_only_h5_into_keras(keras, tmp_path):
    from saving_zoo import sample_input

    sm = ZOO["cnn_batchnorm"](kshim)
    randomize(sm)
    sm.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]
        bn = f[[n for n in names if n.startswith("batch_normalization")][0]]
        assert [w.decode().rsplit("/", 1)[1] for w in bn.attrs["weight_names"]] == [
            "gamma",
            "beta",
            "moving_mean",
            "moving_variance",
        ]
    km = ZOO["cnn_batchnorm"](keras)
    km.load_weights(tmp_path / "w.h5")
    x = sample_input("cnn_batchnorm")
    np.testing.assert_allclose(keras_predict(keras, km, x), kshim_predict(sm, x), atol=1e-5)


def test_weights_only_file_is_not_a_model(tmp_path):
    path = tmp_path / "weights.h5"
    with h5py.File(path, "w") as f:
        _write_weights(f, _LAYERS)
    with pytest.raises(ValueError, match="no model config"):
        kshim.saving.load_model(path)


def test_keras3_layout_with_h5_name_is_explained(tmp_path):
    model = ZOO["mlp"](kshim)
    model.save_weights(tmp_path / "w.weights.h5")
    (tmp_path / "w.weights.h5").rename(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.load_weights(tmp_path / "w.h5")
