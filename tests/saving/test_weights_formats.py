"""save_weights / load_weights for every extension, kshim to kshim, and plain torch."""

import json
import struct

import numpy as np
import pytest
import torch
from saving_zoo import ZOO, kshim_predict, randomize, sample_input

import kshim
from kshim.saving import safetensors_io


def _twins(name="cnn_batchnorm"):
    a, b = ZOO[name](kshim), ZOO[name](kshim)
    randomize(a, seed=3)
    return a, b


@pytest.mark.parametrize("ext", [".weights.h5", ".h5", ".hdf5", ".safetensors", ".pt", ".pth"])
def test_round_trip_every_format(ext, tmp_path):
    a, b = _twins()
    path = tmp_path / f"w{ext}"
    a.save_weights(path)
    b.load_weights(path)
    for wa, wb in zip(a.weights, b.weights):
        assert torch.equal(wa, wb)
    x = sample_input("cnn_batchnorm")
    np.testing.assert_array_equal(kshim_predict(a, x), kshim_predict(b, x))


def test_module_functions_match_methods(tmp_path):
    a, b = _twins("mlp")
    kshim.saving.save_weights(a, tmp_path / "w.safetensors")
    kshim.saving.load_weights(b, tmp_path / "w.safetensors")
    assert all(torch.equal(x, y) for x, y in zip(a.weights, b.weights))


def test_single_layer_weights(tmp_path):
    a, b = kshim.layers.Dense(3), kshim.layers.Dense(3)
    a.build((None, 2))
    b.build((None, 2))
    for ext in (".weights.h5", ".safetensors", ".pt"):
        a.save_weights(tmp_path / f"d{ext}")
        b.load_weights(tmp_path / f"d{ext}")
        assert torch.equal(a.kernel, b.kernel) and torch.equal(a.bias, b.bias)


def test_safetensors_layout_is_standard(tmp_path):
    a, _ = _twins("mlp")
    path = tmp_path / "w.safetensors"
    a.save_weights(path)
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0
    header = json.loads(raw[8 : 8 + n])
    assert header.pop("__metadata__") == {"format": "pt"}
    assert list(header) == list(a.state_dict())
    entry = header["dense.kernel"]
    assert entry["dtype"] == "F32" and entry["shape"] == [4, 8]
    begin, end = entry["data_offsets"]
    data = np.frombuffer(raw[8 + n + begin : 8 + n + end], dtype="<f4").reshape(4, 8)
    np.testing.assert_array_equal(data, a.state_dict()["dense.kernel"].numpy())


def test_safetensors_dtypes_round_trip(tmp_path):
    tensors = {
        "f64": torch.randn(2, 3, dtype=torch.float64),
        "bf16": torch.randn(4).to(torch.bfloat16),
        "f16": torch.randn(3).half(),
        "i64": torch.arange(5),
        "u8": torch.arange(4, dtype=torch.uint8),
        "flag": torch.tensor([True, False]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    path = tmp_path / "t.safetensors"
    safetensors_io.write_safetensors(tensors, path)
    back, meta = safetensors_io.read_safetensors(path)
    assert meta == {}
    assert list(back) == list(tensors)
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v), k


def test_plain_torch_state_dict_between_twins(tmp_path):
    """torch.save(model.state_dict()) loads into a twin built by the same code, with no
    renaming, even though the twins' layer names differ (dense_7 vs dense_9)."""
    for name in ("nested", "sequential", "cnn_batchnorm"):
        a, b = _twins(name)
        assert [la.name for la in a.layers] != [la.name for la in b.layers]
        torch.save(a.state_dict(), tmp_path / f"{name}.pt")
        state = torch.load(tmp_path / f"{name}.pt", weights_only=True)
        assert b.load_state_dict(state) is not None
        x = sample_input(name)
        np.testing.assert_array_equal(kshim_predict(a, x), kshim_predict(b, x))


def test_pt_file_holds_plain_tensors(tmp_path):
    a, _ = _twins("mlp")
    a.save_weights(tmp_path / "w.pt")
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    assert all(type(v) is torch.Tensor for v in state.values())


def test_unknown_extension_is_refused(tmp_path):
    a, _ = _twins("mlp")
    for bad in ("w.bin", "w.npz", "weights"):
        with pytest.raises(ValueError, match=r"(?s)w.*\.weights\.h5.*\.safetensors.*\.pt"):
            a.save_weights(tmp_path / bad)
        with pytest.raises(ValueError, match="Accepted extensions"):
            a.load_weights(tmp_path / bad)


def test_overwrite_false(tmp_path):
    a, _ = _twins("mlp")
    path = tmp_path / "w.weights.h5"
    a.save_weights(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="w.weights.h5"):
        a.save_weights(path, overwrite=False)
    assert path.read_bytes() == before
    a.save_weights(path, overwrite=True)


def test_unbuilt_model_is_refused(tmp_path):
    layer = kshim.layers.Dense(3)
    with pytest.raises(ValueError, match="not built"):
        layer.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not built"):
        layer.load_weights(tmp_path / "w.weights.h5")


def test_missing_file(tmp_path):
    a, _ = _twins("mlp")
    with pytest.raises(FileNotFoundError, match="nope.weights.h5"):
        a.load_weights(tmp_path / "nope.weights.h5")


def test_skip_mismatch_loads_the_rest(tmp_path):
    src = kshim.Sequential([kshim.Input((4,)), kshim.layers.Dense(8), kshim.layers.Dense(3)])
    dst = kshim.Sequential([kshim.Input((4,)), kshim.layers.Dense(8), kshim.layers.Dense(5)])
    randomize(src)
    for ext in (".weights.h5", ".safetensors"):
        path = tmp_path / f"w{ext}"
        src.save_weights(path)
        with pytest.warns(UserWarning, match="Skipping weights"):
            dst.load_weights(path, skip_mismatch=True)
        assert torch.equal(dst.layers[0].kernel, src.layers[0].kernel)
        assert not torch.equal(dst.layers[1].bias[:3], src.layers[1].bias)


def test_bfloat16_weights_h5_round_trip(tmp_path, keras):
    a = kshim.Sequential([kshim.Input((3,)), kshim.layers.Dense(2, dtype="bfloat16")])
    b = kshim.Sequential([kshim.Input((3,)), kshim.layers.Dense(2, dtype="bfloat16")])
    randomize(a)
    a.save_weights(tmp_path / "bf.weights.h5")
    b.load_weights(tmp_path / "bf.weights.h5")
    assert b.layers[0].kernel.dtype == torch.bfloat16
    assert torch.equal(a.layers[0].kernel, b.layers[0].kernel)
    km = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, dtype="bfloat16")])
    km.load_weights(tmp_path / "bf.weights.h5")
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.ops.cast(km.layers[0].kernel, "float32")),
        a.layers[0].kernel.detach().float().numpy(),
    )
