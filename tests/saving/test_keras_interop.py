"""Files move between Keras 3 and kshim in both directions, outputs equal within 1e-5.

For each model of the zoo and each format (``.weights.h5``, ``.keras``, legacy ``.h5``):
Keras writes and kshim reads, and kshim writes and Keras reads.
"""

import numpy as np
import pytest
from saving_zoo import (
    NEEDS,
    ZOO,
    keras_predict,
    kshim_predict,
    randomize,
    require_kshim_layers,
    sample_input,
)

import kshim

pytestmark = pytest.mark.parity
CASES = list(ZOO)


def _pair(name, keras):
    require_kshim_layers(NEEDS[name])
    return ZOO[name](keras), ZOO[name](kshim)


@pytest.mark.parametrize("name", CASES)
def test_keras_weights_h5_into_kshim(name, keras, tmp_path):
    km, sm = _pair(name, keras)
    randomize(km)
    path = tmp_path / "model.weights.h5"
    km.save_weights(path)
    sm.load_weights(path)
    x = sample_input(name)
    np.testing.assert_allclose(kshim_predict(sm, x), keras_predict(keras, km, x), atol=1e-5)


@pytest.mark.parametrize("name", CASES)
def test_kshim_weights_h5_into_keras(name, keras, tmp_path):
    km, sm = _pair(name, keras)
    randomize(sm)
    path = tmp_path / "model.weights.h5"
    sm.save_weights(path)
    km.load_weights(path)
    x = sample_input(name)
    np.testing.assert_allclose(keras_predict(keras, km, x), kshim_predict(sm, x), atol=1e-5)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", CASES)
def test_keras_model_file_into_kshim(name, ext, keras, tmp_path):
    require_kshim_layers(NEEDS[name])
    km = ZOO[name](keras)
    randomize(km)
    path = tmp_path / f"model{ext}"
    km.save(path)
    sm = kshim.saving.load_model(path)
    assert isinstance(sm, kshim.Model)
    x = sample_input(name)
    np.testing.assert_allclose(kshim_predict(sm, x), keras_predict(keras, km, x), atol=1e-5)
    assert sorted(la.name for la in sm.layers) == sorted(la.name for la in km.layers)


@pytest.mark.parametrize("ext", [".keras", ".h5"])
@pytest.mark.parametrize("name", CASES)
def test_kshim_model_file_into_keras(name, ext, keras, tmp_path):
    require_kshim_layers(NEEDS[name])
    sm = ZOO[name](kshim)
    randomize(sm)
    path = tmp_path / f"model{ext}"
    sm.save(path)
    km = keras.saving.load_model(path)
    x = sample_input(name)
    np.testing.assert_allclose(keras_predict(keras, km, x), kshim_predict(sm, x), atol=1e-5)


def test_kshim_archive_round_trip_and_layout(tmp_path):
    import json
    import zipfile

    sm = ZOO["mlp"](kshim)
    randomize(sm)
    path = tmp_path / "m.keras"
    kshim.saving.save_model(sm, path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        meta = json.loads(zf.read("metadata.json"))
    assert config["module"] == "keras.src.models.functional"
    assert config["class_name"] == "Functional"
    dense = [lc for lc in config["config"]["layers"] if lc["class_name"] == "Dense"][0]
    assert dense["module"] == "keras.layers" and dense["build_config"] == {"input_shape": [None, 4]}
    assert meta["keras_version"].startswith("3.") and "date_saved" in meta
    loaded = (
        kshim.models.load_model(path)
        if hasattr(kshim.models, "load_model")
        else (kshim.saving.load_model(path))
    )
    x = sample_input("mlp")
    np.testing.assert_allclose(kshim_predict(loaded, x), kshim_predict(sm, x), atol=0)
    assert list(loaded.state_dict()) == list(sm.state_dict())


def test_unzipped_directory_round_trip(tmp_path):
    sm = ZOO["sequential"](kshim)
    randomize(sm)
    target = tmp_path / "saved_dir"
    sm.save(target, zipped=False)
    assert sorted(p.name for p in target.iterdir()) == [
        "config.json",
        "metadata.json",
        "model.weights.h5",
    ]
    loaded = kshim.saving.load_model(target)
    x = sample_input("sequential")
    np.testing.assert_allclose(kshim_predict(loaded, x), kshim_predict(sm, x), atol=0)


def test_keras_compiled_model_archive_loads(keras, tmp_path):
    # A compiled, trained Keras model also stores optimizer state; kshim skips it.
    km = ZOO["sequential"](keras)
    km.compile(optimizer="adam", loss="mse")
    x = sample_input("sequential")
    km.fit(x, np.ones((3, 3), "float32"), epochs=1, verbose=0)
    path = tmp_path / "compiled.keras"
    km.save(path)
    sm = kshim.saving.load_model(path)
    np.testing.assert_allclose(kshim_predict(sm, x), keras_predict(keras, km, x), atol=1e-5)
    sm2 = ZOO["sequential"](kshim)
    sm2.load_weights(path)  # the weights of an archive, into a model built in code
    np.testing.assert_allclose(kshim_predict(sm2, x), keras_predict(keras, km, x), atol=1e-5)


def test_kshim_paths_equal_keras_paths(keras, tmp_path):
    """Same group paths and dataset names as Keras writes, for every zoo model (Keras
    writes extra empty groups for weightless helpers such as MultiHeadAttention's
    softmax; those hold no datasets)."""
    import h5py

    def datasets(path):
        out = []
        with h5py.File(path) as f:
            f.visititems(
                lambda n, o: out.append((n, o.shape)) if isinstance(o, h5py.Dataset) else None
            )
        return out

    for name in CASES:
        if any(getattr(kshim.layers, n, None) is None for n in NEEDS[name]):
            continue
        ZOO[name](keras).save_weights(tmp_path / f"k_{name}.weights.h5")
        ZOO[name](kshim).save_weights(tmp_path / f"s_{name}.weights.h5")
        assert datasets(tmp_path / f"s_{name}.weights.h5") == datasets(
            tmp_path / f"k_{name}.weights.h5"
        ), name
