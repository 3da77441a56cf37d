import numpy as np
import pytest
import torch

from kshim.layers import BatchNormalization

GATE = [
    ({}, (4, 5), 2, 2),
    ({"axis": 1}, (2, 3, 4, 4), 2, 2),  # channels_first
    ({"axis": 2, "momentum": 0.5, "epsilon": 1e-5}, (2, 3, 4, 5), 2, 2),
    ({"center": False, "scale": False}, (4, 5), 0, 2),
    ({"renorm": True, "renorm_clipping": {"rmax": 1.5}}, (4, 5), 2, 5),
    (
        {"gamma_regularizer": "l2", "beta_constraint": "non_neg", "gamma_initializer": "zeros"},
        (3, 2, 4),
        2,
        2,
    ),
]


@pytest.mark.parametrize("kwargs, shape, trainable, non_trainable", GATE)
def test_gate(gate, kwargs, shape, trainable, non_trainable):
    layer = gate(BatchNormalization, kwargs, shape, trainable, non_trainable)
    names = [w.name for w in layer.weights][:2]
    if trainable:
        assert names == ["gamma", "beta"]
    assert [w.name for w in layer.non_trainable_weights][:2] == ["moving_mean", "moving_variance"]
    assert all(not w.requires_grad for w in layer.non_trainable_weights)
    assert set(layer.state_dict()) >= {"moving_mean", "moving_variance"}


PARITY = [
    ({}, (8, 5)),
    ({"axis": 1}, (4, 3, 5, 5)),  # channels_first
    ({}, (4, 5, 5, 3)),  # channels_last
    ({"axis": 2, "momentum": 0.5}, (2, 3, 4, 5)),
    ({"axis": 0}, (3, 4)),
    ({"axis": -2}, (4, 3, 5)),
    ({}, (1, 4)),  # one value per channel: batch variance 0
    ({"center": False, "epsilon": 1e-5}, (6, 3)),
    ({"scale": False, "momentum": 0.0}, (6, 3)),
    ({"renorm": True, "momentum": 0.8}, (6, 3, 4)),
    ({"renorm": True, "renorm_clipping": {"rmax": 1.01, "rmin": 0.99, "dmax": 0.05}}, (6, 4)),
]


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape", PARITY)
def test_keras_parity(keras, parity, rng, kwargs, shape):
    x = (rng.standard_normal(shape) * 2 + 0.5).astype("float32")
    parity(keras, BatchNormalization, kwargs, x, rng)


@pytest.mark.parity
@pytest.mark.parametrize("axis, shape", [(-1, (6, 4)), (1, (3, 2, 4, 4))])
def test_moving_statistics_over_steps(keras, rng, axis, shape):
    """Three training steps: Keras' momentum convention and biased variance each time."""
    ours = BatchNormalization(axis=axis, momentum=0.7)
    theirs = keras.layers.BatchNormalization(axis=axis, momentum=0.7)
    for _ in range(3):
        x = (rng.standard_normal(shape) * 3 - 1).astype("float32")
        got = ours(torch.from_numpy(x), training=True).detach().numpy()
        want = keras.ops.convert_to_numpy(theirs(x, training=True))
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    # The biased variance, not torch's unbiased running variance.
    x = np.arange(8, dtype="float32").reshape(2, 4) if axis == -1 else None
    if x is not None:
        fresh = BatchNormalization(momentum=0.0)
        fresh(torch.from_numpy(x), training=True)
        np.testing.assert_allclose(fresh.moving_variance.numpy(), x.var(axis=0), rtol=1e-6)


@pytest.mark.parity
def test_gradients_match_keras(keras, rng):
    x = rng.standard_normal((6, 3)).astype("float32")
    cot = torch.from_numpy(rng.standard_normal((6, 3)).astype("float32"))
    ours, theirs = BatchNormalization(), keras.layers.BatchNormalization()
    theirs.build(x.shape)
    ours.build(x.shape)
    theirs.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in theirs.weights])
    ours.set_weights(theirs.get_weights())
    grads = []
    for layer, gamma in ((ours, lambda: ours.gamma), (theirs, lambda: theirs.gamma.value)):
        xs = torch.from_numpy(x.copy()).requires_grad_(True)
        (layer(xs, training=True) * cot).sum().backward()
        grads.append((xs.grad.numpy(), gamma().grad.numpy()))
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parity
def test_trainable_false_runs_in_inference(keras, rng):
    x = rng.standard_normal((8, 3)).astype("float32")
    ours = BatchNormalization(trainable=False, name="bn")
    theirs = keras.layers.BatchNormalization(trainable=False, name="bn")
    assert ours.get_config() == theirs.get_config()
    theirs.build(x.shape)
    theirs.set_weights([rng.uniform(0.5, 1.5, (3,)).astype("float32") for _ in range(4)])
    before = theirs.get_weights()
    from kshim.testing import assert_keras_parity

    assert_keras_parity(ours, theirs, x, call_kwargs={"training": True}, compare_weights_after=True)
    for a, b in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(a, b)  # no update
    ours.train()  # torch's training mode does not unfreeze it either
    ours(torch.from_numpy(x))
    for a, b in zip(ours.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_momentum_one_keeps_moving_statistics():
    layer = BatchNormalization(momentum=1.0)
    layer(torch.randn(8, 3) + 5, training=True)
    assert layer.moving_mean.tolist() == [0.0] * 3
    assert layer.moving_variance.tolist() == [1.0] * 3


def test_torch_train_mode_updates_moving_statistics():
    layer = BatchNormalization(momentum=0.0)
    x = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    layer(x)  # inference: no update
    assert layer.moving_mean.tolist() == [0.0, 0.0]
    layer.train()
    y = layer(x)
    assert layer.moving_mean.tolist() == [2.0, 4.0]
    assert layer.moving_variance.tolist() == [1.0, 4.0]
    torch.testing.assert_close(y.mean(0), torch.zeros(2))


@pytest.mark.parity
def test_mask_parity(keras, rng):
    x = rng.standard_normal((4, 5, 3)).astype("float32")
    mask = rng.random((4, 5)) > 0.3
    ours, theirs = BatchNormalization(momentum=0.5), keras.layers.BatchNormalization(momentum=0.5)
    theirs(x)
    ours(torch.from_numpy(x))
    for training in (False, True):
        want = theirs(x, training=training, mask=keras.ops.convert_to_tensor(mask))
        got = ours(torch.from_numpy(x), training=training, mask=torch.from_numpy(mask))
        np.testing.assert_allclose(
            got.detach().numpy(), keras.ops.convert_to_numpy(want), atol=1e-5, rtol=1e-5
        )
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-6)
    assert ours.supports_masking
    assert ours.compute_mask(torch.from_numpy(x), torch.from_numpy(mask)) is not None
    with pytest.raises(ValueError, match="mask provided should be one dimension less"):
        ours(torch.from_numpy(x), mask=torch.ones(4, 5, 3, dtype=torch.bool))


def test_mixed_precision():
    x = torch.randn(16, 4) * 3 + 2
    ref = BatchNormalization()
    half = BatchNormalization(dtype="mixed_bfloat16")
    want = ref(x, training=True)
    got = half(x, training=True)
    assert got.dtype == torch.bfloat16
    assert half.moving_mean.dtype == torch.float32  # statistics in float32
    torch.testing.assert_close(got.float(), want.detach(), atol=0.05, rtol=0.02)
    torch.testing.assert_close(half.moving_mean, ref.moving_mean, atol=0.02, rtol=0.02)


def test_bad_inputs():
    layer = BatchNormalization(name="under_test")
    layer(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(torch.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layer(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="Axis 3 is out of bounds"):
        BatchNormalization(axis=3)(torch.zeros(2, 4))


@pytest.mark.parity
def test_same_input_spec_error_as_keras(keras):
    ours, theirs = BatchNormalization(name="bn"), keras.layers.BatchNormalization(name="bn")
    ours(torch.zeros(2, 4))
    theirs(np.zeros((2, 4), "float32"))
    for bad in (np.zeros((2, 5), "float32"), np.zeros((2, 3, 4), "float32")):
        with pytest.raises(ValueError) as a:
            ours(torch.from_numpy(bad))
        with pytest.raises(ValueError) as b:
            theirs(bad)
        tail = "is incompatible with the layer:"
        assert str(a.value).split(tail)[1] == str(b.value).split(tail)[1]


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"momentum": 1.5}, "momentum"),
        ({"momentum": -0.1}, "momentum"),
        ({"momentum": "high"}, "momentum"),
        ({"epsilon": -1e-3}, "epsilon"),
        ({"epsilon": None}, "epsilon"),
        ({"axis": "last"}, "axis"),
        ({"axis": [1]}, "axis"),
        ({"renorm_momentum": 2.0}, "renorm_momentum"),
        ({"renorm": True, "renorm_clipping": {"rmaxx": 1.0}}, "renorm_clipping"),
        ({"renorm": True, "renorm_clipping": {"rmax": 1.0, "rmin": 2.0}}, "rmax"),
        ({"renorm": True, "renorm_clipping": {"dmax": -1.0}}, "dmax"),
    ],
)
def test_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        BatchNormalization(**kwargs)


def test_meta_and_channels_last_memory_format():
    x = torch.randn(2, 3, 4, 4).to(memory_format=torch.channels_last)
    layer = BatchNormalization(axis=1)
    ref = BatchNormalization(axis=1)
    got = layer(x, training=True)
    want = ref(x.contiguous(), training=True)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(layer.moving_variance, ref.moving_variance)
    meta = BatchNormalization()(torch.empty(2, 3, 4, device="meta"), training=True)
    assert meta.device.type == "meta" and meta.shape == (2, 3, 4)


_SYNC_SCRIPT = r"""
import sys

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from kshim.layers import BatchNormalization


def run(rank, port, out):
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2
    )

    data = np.load(out + "inputs.npz")
    part = slice(rank * 4, rank * 4 + 4)
    x = torch.from_numpy(data["x"][part]).requires_grad_(True)
    layer = BatchNormalization(momentum=0.5, synchronized=True)
    y = layer(x, training=True)
    (y * torch.from_numpy(data["cot"][part])).sum().backward()
    # A second step, compiled as one graph: the collective traces too.
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    y2 = compiled(x.detach() * 2, training=True)
    np.savez(
        out + f"rank{rank}.npz",
        y=y.detach().numpy(),
        y2=y2.detach().numpy(),
        grad=x.grad.numpy(),
        gamma_grad=layer.gamma.grad.numpy(),
        moving_mean=layer.moving_mean.numpy(),
        moving_variance=layer.moving_variance.numpy(),
    )
    dist.destroy_process_group()


if __name__ == "__main__":
    torch.set_num_threads(1)
    # fork: the children start with torch and kshim already imported.
    mp.start_processes(run, args=(int(sys.argv[1]), sys.argv[2]), nprocs=2, start_method="fork")
"""


def test_synchronized_uses_global_batch_statistics(tmp_path):
    """Two processes, half a batch each, synchronized=True: the same outputs, gradients and
    moving statistics as one process on the whole batch, eager and compiled."""
    import os
    import socket
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((8, 3, 2)) * 2 + 1).astype("float32")
    cot = rng.standard_normal((8, 3, 2)).astype("float32")
    out = str(tmp_path) + os.sep
    np.savez(out + "inputs.npz", x=x, cot=cot)
    script = tmp_path / "sync_bn.py"
    script.write_text(_SYNC_SCRIPT)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, str(script), str(port), out], check=True, env=env, timeout=120)

    ref = BatchNormalization(momentum=0.5)
    xs = torch.from_numpy(x).requires_grad_(True)
    y = ref(xs, training=True)
    (y * torch.from_numpy(cot)).sum().backward()
    grad, gamma_grad = xs.grad.clone(), ref.gamma.grad.clone()
    y2 = ref(xs.detach() * 2, training=True)
    ranks = [np.load(out + f"rank{r}.npz") for r in range(2)]
    np.testing.assert_allclose(np.concatenate([r["y"] for r in ranks]), y.detach(), atol=1e-5)
    np.testing.assert_allclose(np.concatenate([r["grad"] for r in ranks]), grad, atol=1e-5)
    np.testing.assert_allclose(sum(r["gamma_grad"] for r in ranks), gamma_grad, atol=1e-5)
    np.testing.assert_allclose(np.concatenate([r["y2"] for r in ranks]), y2.detach(), atol=1e-5)
    for r in ranks:
        np.testing.assert_allclose(r["moving_mean"], ref.moving_mean, atol=1e-6)
        np.testing.assert_allclose(r["moving_variance"], ref.moving_variance, atol=1e-5)


def test_weights_in_another_dtype_than_the_input():
    # float64 weights, float32 input (no autocast): the statistics are cast into them.
    x = torch.randn(6, 3) * 2 + 1
    wide = BatchNormalization(momentum=0.5, dtype="float64", autocast=False)
    ref = BatchNormalization(momentum=0.5)
    got = wide(x, training=True)
    assert got.dtype == torch.float64 and wide.moving_mean.dtype == torch.float64
    torch.testing.assert_close(got.float(), ref(x, training=True))
    torch.testing.assert_close(wide.moving_mean.float(), ref.moving_mean)
    torch.testing.assert_close(wide.moving_variance.float(), ref.moving_variance)


def test_rank_one_input():
    layer = BatchNormalization(momentum=0.5)
    y = layer(torch.tensor([1.0, 2.0]), training=True)  # one value per channel
    torch.testing.assert_close(y, torch.zeros(2))
    assert layer.moving_mean.tolist() == [0.5, 1.0]
    assert layer.moving_variance.tolist() == [0.5, 0.5]
    assert [name for name, _ in layer.named_modules()] == [""]


COMPILED = [
    ({}, (4, 5, 5, 3), torch.float32),  # channels-last image: no axis moved when traced
    ({"axis": 1}, (4, 3, 5, 5), torch.float32),  # channels-first
    ({"axis": 2}, (2, 3, 4, 5), torch.float32),
    ({}, (8, 5), torch.float32),
    ({"center": False, "scale": False}, (4, 5, 5, 3), torch.float32),
    ({"dtype": "mixed_bfloat16"}, (4, 5, 5, 3), torch.bfloat16),
    ({"dtype": "float64"}, (4, 5, 5, 3), torch.float64),
]


@pytest.mark.parametrize("kwargs, shape, out_dtype", COMPILED)
def test_compiled_inference_is_the_affine_map_along_the_channel_axis(kwargs, shape, out_dtype):
    # Traced, inference is ``x * scale + shift`` broadcast where the channels are: moving
    # them to dim 1 and back for torch's kernel costs compile time, not run time.
    torch.manual_seed(0)
    layer = BatchNormalization(**kwargs)
    layer(torch.randn(shape) * 3 + 1, training=True)  # non-trivial moving statistics
    if "center" not in kwargs:
        with torch.no_grad():
            layer.gamma.copy_(torch.randn_like(layer.gamma))
            layer.beta.copy_(torch.randn_like(layer.beta))
    ops = []

    def backend(gm, example_inputs):
        ops.extend(
            str(n.target) for n in gm.graph.nodes if n.op in ("call_function", "call_method")
        )
        return gm.forward

    x = torch.randn(shape) * 3 + 1
    with torch.no_grad():
        want = layer(x)
        torch._dynamo.reset()
        got = torch.compile(layer, backend=backend, fullgraph=True)(x)
    assert got.dtype == want.dtype == out_dtype
    tol = {torch.bfloat16: 1e-2, torch.float32: 1e-6, torch.float64: 1e-12}[out_dtype]
    torch.testing.assert_close(got, want, rtol=tol, atol=tol)
    assert any("mul" in op for op in ops), ops  # the graph was traced
    assert not any(("movedim" in op or "batch_norm" in op) for op in ops), ops
