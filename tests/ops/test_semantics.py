"""Behaviour of ``kshim.ops`` beyond the parity table: control flow, NumPy semantics where
Keras' torch backend differs, edge cases and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from kshim import ops


# ------------------------------------------------------------------------- control flow
def test_cond_eager_and_meta():
    assert ops.cond(torch.tensor(True), lambda: 1, lambda: 2) == 1
    assert ops.cond(False, lambda: 1, lambda: 2) == 2
    # Symbolic (meta) execution takes the true branch, as Keras does.
    assert ops.cond(torch.ones((), device="meta") > 0, lambda: "t", lambda: "f") == "t"


def test_while_loop_structures(keras):
    body = lambda x, y: (x + 1, y * 2)  # noqa: E731
    ours = ops.while_loop(lambda x, y: x < 5, body, (0, 1.0))
    theirs = keras.ops.while_loop(lambda x, y: x < 5, body, (0, 1.0))
    assert [float(v) for v in ours] == [float(v) for v in theirs] == [5.0, 32.0]
    capped = ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7)
    assert int(capped) == 7
    nested = ops.while_loop(
        lambda s: s["i"] < 3, lambda s: ({"i": s["i"] + 1, "v": s["v"] + 2},), [{"i": 0, "v": 1}]
    )
    assert int(nested[0]["v"]) == 7


def test_fori_loop_scan_map_switch(keras):
    assert ops.fori_loop(0, 5, lambda i, v: v + i, 0) == 10
    assert int(ops.fori_loop(torch.tensor(0), torch.tensor(4), lambda i, v: v + i, 0)) == 6
    xs = torch.arange(5.0)
    for reverse in (False, True):
        ours = ops.scan(lambda c, x: (c + x, c), torch.tensor(0.0), xs, reverse=reverse)
        theirs = keras.ops.scan(lambda c, x: (c + x, c), torch.tensor(0.0), xs, reverse=reverse)
        torch.testing.assert_close(ours[0], theirs[0])
        torch.testing.assert_close(ours[1], theirs[1])
    carry, ys = ops.scan(lambda c, _: (c + 1, None), torch.tensor(0), length=3)
    assert int(carry) == 3 and ys.shape == (3,)
    pairs = ops.map(lambda p: p[0] * p[1], (torch.arange(3), torch.arange(3)))
    assert pairs.tolist() == [0, 1, 4]
    assert ops.switch(5, [lambda: "a", lambda: "b"]) == "b"
    with pytest.raises(ValueError, match="Got no `xs`"):
        ops.scan(lambda c, x: (c, x), 0)


def test_vectorized_map_and_stop_gradient():
    out = ops.vectorized_map(lambda x: ops.sum(x * x), torch.arange(6.0).reshape(3, 2))
    assert out.tolist() == [1.0, 13.0, 41.0]
    x = torch.ones(2, requires_grad=True)
    (ops.stop_gradient(x) * x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


# ----------------------------------------------------------------- NumPy-exact semantics
def _np_avg_pool_same(x, k, s):
    # TensorFlow's "same" average pooling over (H, W) of NHWC, padding not counted.
    n, h, w, c = x.shape
    oh, ow = -(-h // s), -(-w // s)
    ph = max((oh - 1) * s + k - h, 0)
    pw = max((ow - 1) * s + k - w, 0)
    top, left = ph // 2, pw // 2
    out = np.zeros((n, oh, ow, c), x.dtype)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - top, j * s - left
            window = x[:, max(r0, 0) : r0 + k, max(c0, 0) : c0 + k]
            out[:, i, j] = window.mean(axis=(1, 2))
    return out


@pytest.mark.parametrize(("size", "k", "s"), [(6, 2, 1), (7, 2, 2), (5, 4, 1)])
def test_average_pool_same_does_not_count_padding(size, k, s):
    x = np.random.default_rng(0).normal(size=(2, size, size, 3)).astype(np.float32)
    out = ops.average_pool(torch.from_numpy(x), k, strides=s, padding="same")
    np.testing.assert_allclose(out.numpy(), _np_avg_pool_same(x, k, s), rtol=1e-5, atol=1e-6)


def test_max_pool_same_with_asymmetric_padding():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)
    out = ops.max_pool(x, 2, strides=1, padding="SAME")
    assert out.shape == (1, 4, 4, 1)
    assert out[0, :, :, 0].tolist()[-1] == [13.0, 14.0, 15.0, 15.0]


def test_reductions_keepdims_over_all_axes():
    x = torch.arange(6.0).reshape(2, 3)
    assert ops.max(x, keepdims=True).shape == (1, 1)
    assert ops.argmax(x, keepdims=True).shape == (1, 1)
    assert ops.prod(x + 1, keepdims=True).shape == (1, 1)
    assert ops.sum(x, axis=()).tolist() == x.tolist()
    assert float(ops.max(torch.zeros(0), initial=3.0)) == 3.0
    with pytest.raises(ValueError, match="empty"):
        ops.max(torch.zeros(0))


def test_linspace_with_tensor_bounds_and_axis():
    start, stop = np.array([0.0, 1.0]), np.array([1.0, 3.0])
    for endpoint in (True, False):
        for axis in (0, 1, -1):
            ours = ops.linspace(start, stop, 5, endpoint=endpoint, axis=axis)
            ref = np.linspace(start, stop, 5, endpoint=endpoint, axis=axis)
            np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-6, atol=1e-7)
    values, step = ops.linspace(0.0, 1.0, 5, retstep=True)
    assert step == 0.25 and values.shape == (5,)


def test_unique_options():
    x = torch.tensor([3, 1, 3, 2, 1])
    values, index, inverse, counts = ops.unique(
        x, return_index=True, return_inverse=True, return_counts=True
    )
    ref = np.unique(x.numpy(), return_index=True, return_inverse=True, return_counts=True)
    for got, expected in zip((values, index, inverse, counts), ref, strict=True):
        assert got.tolist() == expected.tolist()
    padded = ops.unique(x, size=5, fill_value=-1)
    assert padded.tolist() == [1, 2, 3, -1, -1]
    assert ops.unique(x, size=2).tolist() == [1, 2]


def test_layer_normalization_over_a_middle_axis():
    x = torch.randn(2, 3, 4)
    gamma, beta = torch.randn(3), torch.randn(3)
    out = ops.layer_normalization(x, gamma, beta, axis=1, epsilon=1e-5)
    ref = torch.nn.functional.layer_norm(x.transpose(1, 2), (3,), gamma, beta, 1e-5)
    torch.testing.assert_close(out, ref.transpose(1, 2))


def test_half_precision_is_computed_in_float32():
    x = torch.randn(4, 8).half()
    assert ops.softmax(x).dtype == torch.float16
    mean, var = ops.moments(x * 100, axes=0)
    assert mean.dtype == var.dtype == torch.float16
    ref = (x * 100).float().var(0, correction=0)
    torch.testing.assert_close(var.float(), ref, rtol=1e-3, atol=1e-3)
    assert ops.layer_normalization(x).dtype == torch.float16


def test_synchronized_moments_in_a_process_group(tmp_path):
    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        x = torch.randn(6, 3, requires_grad=True)
        mean, var = ops.moments(x, axes=[0], synchronized=True)
        torch.testing.assert_close(mean, x.mean(0))
        torch.testing.assert_close(var, x.var(0, correction=0))
        var.sum().backward()
        assert x.grad is not None
    finally:
        dist.destroy_process_group()


def test_slicing_with_tensor_starts():
    x = torch.arange(20).reshape(4, 5)
    start = torch.tensor([1, 2])
    assert ops.slice(x, start, (2, 2)).tolist() == [[7, 8], [12, 13]]
    out = ops.slice_update(x, start, torch.zeros(2, 2, dtype=torch.int64))
    assert out[1:3, 2:4].sum() == 0 and x[1, 2] == 7


def test_misc_ops():
    assert ops.saturate_cast(torch.tensor([1e10, -1e10]), "int32").tolist() == [
        2147483520,
        -2147483648,
    ]
    assert ops.saturate_cast(torch.tensor([300, -5]), "uint8").tolist() == [255, 0]
    assert ops.empty((2, 3)).shape == (2, 3)
    assert ops.empty_like(torch.ones(2), dtype="int32").dtype == torch.int32
    assert ops.append(torch.ones(2, 2), torch.zeros(3)).shape == (7,)
    assert ops.dstack([torch.ones(2), torch.ones(2)]).shape == (1, 2, 2)
    assert [i.tolist() for i in ops.nonzero(torch.tensor([[0, 1], [1, 0]]))] == [[0, 1], [1, 0]]
    assert bool(ops.allclose(torch.ones(2), torch.ones(2) + 1e-9))
    x = torch.ones(2)
    assert ops.copy(x) is not x and ops.array([1, 2]).dtype == torch.int32
    assert ops.unstack(torch.ones(3, 2), num=3)[0].shape == (2,)


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda: ops.split(torch.ones(5), 2), "not divisible"),
        (lambda: ops.where(torch.tensor([True]), 1.0), "both should be"),
        (lambda: ops.squeeze(torch.ones(2, 3), axis=0), "size is not 1"),
        (lambda: ops.one_hot(torch.tensor([1]), 3, sparse=True), "sparse"),
        (lambda: ops.binary_crossentropy(torch.ones(2), torch.ones(3)), "same shape"),
        (lambda: ops.normalize(torch.ones(2), order=0), "order"),
        (
            lambda: ops.dot_product_attention(
                torch.ones(1, 2, 3), torch.ones(1, 2, 3), torch.ones(1, 2, 3)
            ),
            "4D",
        ),
        (lambda: ops.conv(torch.ones(1, 4, 4, 3), torch.ones(3, 3, 2, 1)), "divisible"),
        (lambda: ops.pad(torch.ones(2), 1, mode="reflect", constant_values=1), "constant_values"),
        (lambda: ops.scatter_update(torch.ones(2), [[0]], [1.0], reduction="bad"), "reduction"),
        (lambda: ops.select([torch.tensor([True])], []), "not be empty"),
        (lambda: ops.conv(torch.ones(1, 4, 3), torch.ones(2, 3, 1), padding="causal"), "padding"),
        (lambda: ops.max_pool(torch.ones(1, 4, 3), 2, padding="full"), "padding"),
    ],
)
def test_errors_name_the_argument(fn, error):
    with pytest.raises(ValueError, match=error):
        fn()


def test_gradients_flow_through_nn_ops():
    x = torch.randn(2, 5, 5, 3, requires_grad=True)
    kernel = torch.randn(3, 3, 3, 4, requires_grad=True)
    y = ops.conv(x, kernel, padding="same")
    y = ops.average_pool(ops.relu(y), 2, padding="same")
    ops.sum(ops.softmax(y) * y).backward()
    assert x.grad.shape == x.shape and kernel.grad.shape == kernel.shape


def test_float64_gradcheck():
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda a, b: ops.log_softmax(ops.matmul(a, b)) + ops.mean(a), (x, w)
    )
