"""Loading untrusted or wrong files: refused with an error naming the file, the model left
exactly as it was, no code run, nothing imported from outside kshim."""

import json
import os
import struct
import sys
import zipfile

import h5py
import numpy as np
import pytest
import torch
from saving_zoo import ZOO, assert_unchanged, randomize, snapshot

import kshim
from kshim.saving import safetensors_io

ALL_EXTS = [".weights.h5", ".h5", ".keras", ".safetensors", ".pt"]


def _saved(tmp_path, ext, name="mlp", seed=5):
    model = ZOO[name](kshim)
    randomize(model, seed=seed)
    path = tmp_path / f"src{ext}"
    if ext == ".keras":
        model.save(path)
    else:
        model.save_weights(path)
    return path


def _target(name="mlp"):
    model = ZOO[name](kshim)
    randomize(model, seed=11)
    return model, snapshot(model)


def _load(model, path):
    model.load_weights(path)


# ---------------------------------------------------------------------- damaged files


@pytest.mark.parametrize("ext", ALL_EXTS)
@pytest.mark.parametrize("keep", [0, 7, 100, 0.5, 0.9, -1])
def test_truncated_files(tmp_path, ext, keep):
    path = _saved(tmp_path, ext)
    raw = path.read_bytes()
    cut = (
        keep
        if isinstance(keep, int) and keep >= 0
        else len(raw) - 1
        if keep == -1
        else int(len(raw) * keep)
    )
    path.write_bytes(raw[:cut])
    model, before = _target()
    with pytest.raises((ValueError, OSError)) as info:
        _load(model, path)
    assert str(path) in str(info.value)
    assert_unchanged(model, before)


@pytest.mark.parametrize("ext", ALL_EXTS)
def test_garbage_files(tmp_path, ext):
    path = tmp_path / f"garbage{ext}"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    model, before = _target()
    with pytest.raises((ValueError, OSError)) as info:
        _load(model, path)
    assert str(path) in str(info.value)
    assert_unchanged(model, before)


def test_corrupt_zip_member(tmp_path):
    path = _saved(tmp_path, ".keras")
    raw = bytearray(path.read_bytes())
    start = raw.find(b"\x89HDF")  # the stored weights member
    for i in range(start + 100, start + 900):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))
    model, before = _target()
    with pytest.raises((ValueError, OSError)) as info:
        kshim.saving.load_model(path)
    assert str(path) in str(info.value)
    with pytest.raises((ValueError, OSError)):
        model.load_weights(path)
    assert_unchanged(model, before)


def test_keras_archive_without_weights(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="model.weights.h5"):
        kshim.saving.load_model(path)


# ---------------------------------------------------------------------- wrong files


@pytest.mark.parametrize("ext", [".weights.h5", ".h5", ".safetensors", ".pt", ".keras"])
def test_wrong_model_file(tmp_path, ext):
    path = _saved(tmp_path, ext, name="cnn_batchnorm")
    model, before = _target("mlp")
    with pytest.raises(ValueError) as info:
        _load(model, path)
    message = str(info.value)
    assert str(path) in message and "Nothing was loaded" in message
    assert_unchanged(model, before)


def _dense_stack(units):
    return kshim.Sequential([kshim.Input((4,))] + [kshim.layers.Dense(u) for u in units])


@pytest.mark.parametrize("ext", [".weights.h5", ".h5", ".safetensors", ".pt"])
def test_mismatched_shape_in_last_layer(tmp_path, ext):
    src = _dense_stack([8, 6, 3])
    randomize(src)
    path = tmp_path / f"w{ext}"
    src.save_weights(path)
    model = _dense_stack([8, 6, 5])
    before = snapshot(model)
    with pytest.raises(ValueError) as info:
        model.load_weights(path)
    message = str(info.value)
    assert str(path) in message
    assert "(6, 5)" in message or "(5,)" in message, message
    assert "(6, 3)" in message or "(3,)" in message, message
    assert_unchanged(model, before)


@pytest.mark.parametrize("ext", [".weights.h5", ".h5", ".safetensors", ".pt"])
@pytest.mark.parametrize("file_units, model_units", [([8, 3], [8, 3, 3]), ([8, 3, 3], [8, 3])])
def test_missing_and_extra_layers(tmp_path, ext, file_units, model_units):
    src = _dense_stack(file_units)
    randomize(src)
    path = tmp_path / f"w{ext}"
    src.save_weights(path)
    model = _dense_stack(model_units)
    before = snapshot(model)
    with pytest.raises(ValueError, match="Nothing was loaded") as info:
        model.load_weights(path)
    assert str(path) in str(info.value)
    assert_unchanged(model, before)


def test_keras_weights_error_names_the_layer(tmp_path):
    _dense_stack([8, 3]).save_weights(tmp_path / "w.weights.h5")
    model = _dense_stack([8, 4])
    with pytest.raises(
        ValueError,
        match=r"Dense 'dense_\d+': variable 0 has shape \(8, 4\).*'layers/dense_1/vars/0'.*\(8, 3\)",
    ):
        model.load_weights(tmp_path / "w.weights.h5")


def test_archive_whose_weights_do_not_fit_its_config(tmp_path):
    good = _saved(tmp_path, ".keras")
    other = tmp_path / "other.keras"
    ZOO["cnn_batchnorm"](kshim).save(other)
    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(good) as a, zipfile.ZipFile(other) as b, zipfile.ZipFile(bad, "w") as out:
        out.writestr("metadata.json", a.read("metadata.json"))
        out.writestr("config.json", a.read("config.json"))
        out.writestr("model.weights.h5", b.read("model.weights.h5"))
    with pytest.raises(ValueError, match="bad.keras"):
        kshim.saving.load_model(bad)


def test_non_numeric_dataset_is_refused(tmp_path):
    path = _saved(tmp_path, ".weights.h5")
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/1"]
        f["layers/dense/vars"].create_dataset("1", data=np.array([b"x"] * 8))
    model, before = _target()
    with pytest.raises(ValueError, match="not a numeric weight"):
        model.load_weights(path)
    assert_unchanged(model, before)


@pytest.mark.parametrize("kind", ["soft", "external"])
def test_h5_links_are_refused(tmp_path, kind):
    path = _saved(tmp_path, ".weights.h5")
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        group = f["layers/dense/vars"]
        if kind == "soft":
            group["0"] = h5py.SoftLink("/layers/dense_1/vars/0")
        else:
            group["0"] = h5py.ExternalLink(str(tmp_path / "elsewhere.h5"), "/x")
    model, before = _target()
    with pytest.raises(ValueError, match="links are not allowed"):
        model.load_weights(path)
    assert_unchanged(model, before)


# ---------------------------------------------------------------------- code in configs


def _lambda_model_file(keras, tmp_path, ext=".keras"):
    x = keras.Input((3,))
    y = keras.layers.Lambda(lambda t: t * 2.0)(x)
    model = keras.Model(x, keras.layers.Dense(2)(y))
    path = tmp_path / f"lambda{ext}"
    model.save(path)
    return path


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_lambda_refused_in_safe_mode(keras, tmp_path, ext):
    path = _lambda_model_file(keras, tmp_path, ext)
    with pytest.raises(ValueError, match="safe_mode") as info:
        kshim.saving.load_model(path)
    assert str(path) in str(info.value) and "lambda" in str(info.value)


def test_lambda_loads_only_with_safe_mode_false(keras, tmp_path):
    # DESIGN.md: code-carrying layers are refused unless safe_mode=False, as in Keras.
    path = _lambda_model_file(keras, tmp_path)
    theirs = keras.saving.load_model(path, safe_mode=False)
    ours = kshim.saving.load_model(path, safe_mode=False)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(
        ours(torch.from_numpy(x)).detach().numpy(), theirs(x).detach().numpy(), atol=1e-6
    )


def test_tf_keras_lambda_bytecode_refused(tmp_path):
    config = {
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "class_name": "Lambda",
                    "config": {
                        "name": "lam",
                        "function": [
                            "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk4pAQ==",
                            None,
                            None,
                        ],
                        "function_type": "lambda",
                    },
                }
            ],
        },
    }
    path = tmp_path / "tf.h5"
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.create_group("model_weights")
    with pytest.raises(ValueError, match=r"safe_mode.*|lam"):
        kshim.saving.load_model(path)


def _archive_with_config(tmp_path, config, name="evil.keras"):
    good = _saved(tmp_path, ".keras")
    path = tmp_path / name
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as out:
        out.writestr("metadata.json", src.read("metadata.json"))
        out.writestr("config.json", json.dumps(config))
        out.writestr("model.weights.h5", src.read("model.weights.h5"))
    return path


_triggered = []


def _side_effect():  # what a malicious pickle would run
    _triggered.append(True)
    return {}


class _Evil:
    def __reduce__(self):
        return (_side_effect, ())


@pytest.mark.parametrize(
    "config",
    [
        {"module": "os", "class_name": "system", "config": {"command": "echo pwned"}},
        {
            "module": "subprocess",
            "class_name": "Popen",
            "config": {"args": ["true"]},
            "registered_name": None,
        },
        {"module": "this", "class_name": "Anything", "config": {}},
        {"module": "keras.src.utils.antigravity", "class_name": "X", "config": {}},
        {"class_name": "function", "module": "builtins", "config": "eval"},
        {
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "config": {
                "name": "f",
                "trainable": True,
                "layers": [
                    {
                        "module": "keras.layers",
                        "class_name": "Dense",
                        "config": {
                            "units": 2,
                            "activation": {
                                "module": "os",
                                "class_name": "function",
                                "config": "system",
                            },
                        },
                        "name": "d",
                        "inbound_nodes": [],
                    }
                ],
                "input_layers": [],
                "output_layers": [],
            },
        },
    ],
)
def test_config_naming_arbitrary_code_is_refused(tmp_path, config):
    path = _archive_with_config(tmp_path, config)
    before = set(sys.modules)
    with pytest.raises(ValueError) as info:
        kshim.saving.load_model(path)
    assert str(path) in str(info.value)
    new = {m for m in set(sys.modules) - before if not m.startswith("kshim")}
    assert not new, f"loading imported {sorted(new)}"
    assert "this" not in set(sys.modules) - before and "antigravity" not in sys.modules


def test_pt_with_pickled_object_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"dense.kernel": _Evil()}, path)
    model, before = _target()
    with pytest.raises(ValueError, match="weights_only") as info:
        model.load_weights(path)
    assert str(path) in str(info.value)
    assert not _triggered
    assert_unchanged(model, before)


def test_pt_holding_something_else(tmp_path):
    path = tmp_path / "list.pt"
    torch.save([torch.zeros(2)], path)
    model, before = _target()
    with pytest.raises(ValueError, match="state_dict"):
        model.load_weights(path)
    assert_unchanged(model, before)


# ---------------------------------------------------------------------- safetensors


def _st_bytes(header, data=b"", raw_header=None):
    raw = raw_header if raw_header is not None else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


_F32x2 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}


@pytest.mark.parametrize(
    "blob, reason",
    [
        (b"\x01\x02", "fewer than the 8-byte"),
        (struct.pack("<Q", 10**12) + b"{}", "declares"),
        (struct.pack("<Q", 50) + b"{}", "truncated"),
        (_st_bytes(None, raw_header=b"[1, 2]"), "start with"),
        (_st_bytes(None, raw_header=b"{not json"), "not valid JSON"),
        (_st_bytes(None, raw_header=b'{"a": 1, "a": 2}'), "duplicate"),
        (_st_bytes({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8), "exactly"),
        (_st_bytes({"a": {**_F32x2, "extra": 1}}, b"\0" * 8), "exactly"),
        (_st_bytes({"a": {**_F32x2, "dtype": "OBJ"}}, b"\0" * 8), "unknown dtype"),
        (_st_bytes({"a": {**_F32x2, "shape": [-2]}}, b"\0" * 8), "invalid shape"),
        (_st_bytes({"a": {**_F32x2, "shape": [True]}}, b"\0" * 8), "invalid shape"),
        (_st_bytes({"a": {**_F32x2, "data_offsets": [0, 12]}}, b"\0" * 8), "data_offsets"),
        (_st_bytes({"a": {**_F32x2, "data_offsets": [0, 4]}}, b"\0" * 8), "needs 8 bytes"),
        (_st_bytes({"a": _F32x2, "b": _F32x2}, b"\0" * 8), "overlaps"),
        (_st_bytes({"a": {**_F32x2, "data_offsets": [4, 12]}}, b"\0" * 12), "gap"),
        (_st_bytes({"a": _F32x2}, b"\0" * 12), "cover 8 bytes of a 12-byte"),
        (_st_bytes({"__metadata__": {"k": 1}, "a": _F32x2}, b"\0" * 8), "__metadata__"),
        (_st_bytes({"": _F32x2}, b"\0" * 8), "empty name"),
    ],
)
def test_malformed_safetensors_headers(tmp_path, blob, reason):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(blob)
    with pytest.raises(ValueError, match=reason) as info:
        safetensors_io.read_safetensors(path)
    assert str(path) in str(info.value)
    model, before = _target()
    with pytest.raises(ValueError):
        model.load_weights(path)
    assert_unchanged(model, before)


def test_valid_handmade_safetensors(tmp_path):
    path = tmp_path / "ok.safetensors"
    data = np.array([1.5, -2.0], "<f4").tobytes() + np.array([7], "<i8").tobytes()
    header = {"a": _F32x2, "n": {"dtype": "I64", "shape": [], "data_offsets": [8, 16]}}
    path.write_bytes(_st_bytes(header, data))
    tensors, _ = safetensors_io.read_safetensors(path)
    assert tensors["a"].tolist() == [1.5, -2.0] and tensors["n"].item() == 7


def test_failed_load_leaves_file_untouched_and_no_temp_files(tmp_path):
    model, _ = _target()
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError):
        model.save_weights(tmp_path / "w.unknown")
    assert sorted(os.listdir(tmp_path)) == ["w.weights.h5"]


@kshim.saving.register_keras_serializable("kshim_tests")
def doubled(x):
    return x * 2.0


def test_lambda_with_registered_named_function_loads(tmp_path):
    x = kshim.Input((3,))
    model = kshim.Model(x, kshim.layers.Dense(2)(kshim.layers.Lambda(doubled)(x)))
    randomize(model)
    model.save(tmp_path / "named.keras")
    loaded = kshim.saving.load_model(tmp_path / "named.keras")
    data = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(
        loaded(torch.from_numpy(data)).detach().numpy(),
        model(torch.from_numpy(data)).detach().numpy(),
    )
