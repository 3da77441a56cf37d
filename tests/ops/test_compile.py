"""``kshim.ops`` under ``torch.compile(fullgraph=True)``: no graph breaks, same results."""

from __future__ import annotations

import torch

from kshim import ops


def _compile(fn, **kwargs):
    return torch.compile(fn, fullgraph=True, backend="aot_eager", **kwargs)


def _assert_same(a, b):
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _assert_same(x, y)
    else:
        torch.testing.assert_close(a, b)


def _elementwise_and_reductions(x, y, labels):
    b, n = ops.shape(x)
    z = ops.reshape(x, (b, n // 2, 2))
    z = ops.transpose(z, (0, 2, 1))
    z = ops.concatenate([z, ops.ones_like(z)], axis=1)
    z = ops.add(z, 1) * ops.sqrt(ops.abs(z)) - ops.exp(-ops.square(z)) / 2.0
    z = ops.where(z > 0.5, z, ops.zeros_like(z))
    z = (
        ops.clip(ops.maximum(z, 0.1), 0.0, 5.0)
        + ops.cast(ops.argmax(z, axis=1), "float32")[:, None, :]
    )
    mean, var = ops.moments(z, axes=(0, 2))
    logits = ops.matmul(x, ops.transpose(y))
    loss = ops.mean(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True))
    onehot = ops.one_hot(labels, logits.shape[-1])
    cce = ops.sum(ops.categorical_crossentropy(onehot, ops.softmax(logits)))
    top = ops.top_k(logits, 2)[0]
    stats = ops.stack(
        [ops.sum(z), ops.max(z), ops.min(z), ops.std(z), ops.logsumexp(z), ops.norm(z)]
    )
    return mean, var, loss, cce, top, stats, ops.cumsum(x, axis=1), ops.sort(x, axis=-1)


def _layout_ops(x):
    parts = ops.split(x, 2, axis=1)
    y = ops.stack(parts, axis=0)
    y = ops.expand_dims(ops.squeeze(y[:1], axis=0), (0, -1))
    y = ops.tile(y, (1, 1, 1, 2))
    y = ops.repeat(y, 2, axis=1)
    y = ops.pad(y, ((0, 0), (1, 1), (0, 0), (0, 0)))
    y = ops.pad(y, ((0, 0), (0, 0), (1, 0), (0, 0)), mode="reflect")
    y = ops.flip(ops.roll(y, 1, axis=2), axis=1)
    y = ops.moveaxis(ops.swapaxes(y, 1, 2), 0, -1)
    idx = ops.arange(0, 3)
    taken = ops.take(x, idx, axis=1) + ops.take_along_axis(x, ops.argsort(x, axis=1), axis=1)[:, :3]
    sliced = ops.slice_update(x, (0, 1), ops.slice(x, (1, 0), (1, 2)))
    tri = ops.tril(ops.eye(4)) + ops.triu(ops.ones((4, 4)), k=1) + ops.linspace(0.0, 1.0, 4)
    return y, taken, sliced, tri, ops.einsum("bi,bj->ij", x, x), ops.tensordot(x, x, ((0,), (0,)))


def _nn_ops(images, q, k, v):
    kernel = torch.ones(3, 3, images.shape[-1], 4) / 9.0
    y = ops.conv(images, kernel, strides=2, padding="same")
    y = ops.relu(y) + ops.gelu(y) + ops.silu(y) + ops.sigmoid(y) + ops.leaky_relu(y)
    y = ops.max_pool(y, 2, padding="same") + ops.average_pool(y, 2, padding="same")
    dw = ops.depthwise_conv(images, torch.ones(3, 3, images.shape[-1], 2), padding="same")
    up = ops.conv_transpose(y, torch.ones(3, 3, 2, 4), strides=2, padding="same")
    mean, var = ops.moments(y, axes=(0, 1, 2), keepdims=True)
    bn = ops.batch_normalization(y, mean[0, 0, 0], var[0, 0, 0], axis=-1)
    ln = ops.layer_normalization(y) + ops.rms_normalization(y) + ops.normalize(y)
    att = ops.dot_product_attention(q, k, v, mask=torch.ones(1, 1, q.shape[1], k.shape[1]) > 0)
    causal = ops.dot_product_attention(q, k[:, : q.shape[1]], v[:, : q.shape[1]], is_causal=True)
    bce = ops.binary_crossentropy(ops.sigmoid(y), ops.sigmoid(y * 2))
    return y, dw, up, bn, ln, att, causal, bce


def test_core_ops_compile_fullgraph():
    x = torch.randn(4, 6)
    y = torch.randn(5, 6)
    labels = torch.tensor([0, 4, 2, 1])
    compiled = _compile(_elementwise_and_reductions)
    _assert_same(compiled(x, y, labels), _elementwise_and_reductions(x, y, labels))
    _assert_same(_compile(_layout_ops)(x), _layout_ops(x))


def test_nn_ops_compile_fullgraph():
    images = torch.randn(2, 7, 7, 3)
    q, k, v = torch.randn(2, 3, 2, 8), torch.randn(2, 5, 2, 8), torch.randn(2, 5, 2, 8)
    _assert_same(_compile(_nn_ops)(images, q, k, v), _nn_ops(images, q, k, v))


def test_shape_is_symbolic_with_dynamic_batch():
    def fn(x):
        batch, features = ops.shape(x)
        return ops.reshape(x, (batch, features // 2, 2)).sum(-1) * features

    compiled = _compile(fn, dynamic=True)
    for batch in (3, 5, 8):
        x = torch.randn(batch, 4)
        torch.testing.assert_close(compiled(x), fn(x))


def test_control_flow_compiles_fullgraph():
    def fn(x):
        y = ops.cond(ops.sum(x) > 0, lambda: x * 2, lambda: x - 1)
        i, total = ops.while_loop(
            lambda i, t: i < 4, lambda i, t: (i + 1, t + ops.sum(x)), (0, ops.zeros(()))
        )
        s = ops.fori_loop(0, 3, lambda i, acc: acc + i * x, ops.zeros_like(x))
        carry, ys = ops.scan(lambda c, row: (c + row, c * row), ops.zeros(x.shape[1:]), x)
        capped = ops.while_loop(lambda v: v < 100.0, lambda v: v * 2, x[0, 0].abs() + 1, 3)
        tensor_bounds = ops.fori_loop(ops.sum(x > 0), 5, lambda i, acc: acc + i, ops.zeros(()))
        mapped = ops.vectorized_map(lambda r: r.sum(), x)
        return y, i, total, s, carry, ys, capped, tensor_bounds, mapped

    x = torch.randn(3, 2)
    compiled = _compile(fn)
    _assert_same(compiled(x), fn(x))
    _assert_same(compiled(-x.abs()), fn(-x.abs()))
