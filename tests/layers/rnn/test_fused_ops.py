"""The fused RNN kernels under torch.compile: one opaque op in inference, so the graph is
not unrolled per time step; torch's aten ops with autograd, under export, and with
``unroll=True``."""

import pytest
import torch

from kshim import layers as L
from kshim.layers.rnn import fused_ops

KSHIM_OPS = {"kshim.lstm_inference.default", "kshim.rnn_inference.default"}

LAYERS = {
    "lstm": lambda **kw: L.LSTM(6, return_sequences=True, **kw),
    "gru": lambda **kw: L.GRU(6, return_sequences=True, **kw),
    "simple_rnn_tanh": lambda **kw: L.SimpleRNN(6, return_sequences=True, **kw),
    "simple_rnn_relu": lambda **kw: L.SimpleRNN(6, activation="relu", return_sequences=True, **kw),
}


def _built(kind, **kwargs):
    torch.manual_seed(0)
    layer = LAYERS[kind](**kwargs)
    layer(torch.randn(2, 7, 5))
    return layer


def _graph_ops(fn, *args):
    """Compiles ``fn`` whole (fullgraph) and returns (outputs, the op names of the graphs
    AOT autograd made)."""
    names = set()

    def backend(gm, example_inputs):
        from functorch.compile import make_boxed_func
        from torch._functorch.aot_autograd import aot_module_simplified

        def record(g, _):
            names.update(str(n.target) for n in g.graph.nodes if n.op == "call_function")
            return make_boxed_func(g.forward)

        return aot_module_simplified(gm, example_inputs, fw_compiler=record, bw_compiler=record)

    torch._dynamo.reset()
    out = torch.compile(fn, backend=backend, fullgraph=True)(*args)
    return out, names


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_inference_under_compile_calls_one_opaque_op(kind):
    layer = _built(kind)
    x = torch.randn(3, 9, 5)
    with torch.no_grad():
        expected = layer(x)
        out, ops = _graph_ops(layer, x)
    assert ops & KSHIM_OPS, ops
    # Not unrolled: no per-step matmuls around the op.
    assert not {o for o in ops if "mm" in o}, ops
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_training_under_compile_keeps_aten_ops_and_gradients(kind):
    layer = _built(kind)
    x = torch.randn(3, 9, 5)
    expected = layer(x)
    expected.sum().backward()
    grads = [w.grad.clone() for w in layer.trainable_weights]
    layer.zero_grad()
    out, ops = _graph_ops(layer, x)
    out.sum().backward()
    assert not ops & KSHIM_OPS, "the opaque ops have no backward: autograd must not reach them"
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    for w, g in zip(layer.trainable_weights, grads):
        torch.testing.assert_close(w.grad, g, atol=1e-5, rtol=1e-5)


def test_unroll_true_writes_the_steps_out_under_compile():
    layer = _built("lstm", unroll=True)
    x = torch.randn(3, 9, 5)
    with torch.no_grad():
        expected = layer(x)
        out, ops = _graph_ops(layer, x)
    assert not ops & KSHIM_OPS
    assert sum("mm" in o for o in ops) >= 1
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-6)


def test_export_keeps_torch_ops():
    layer = _built("gru")
    with torch.no_grad():
        ep = torch.export.export(layer, (torch.randn(3, 9, 5),))
    targets = {str(n.target) for n in ep.graph.nodes if n.op == "call_function"}
    assert not targets & KSHIM_OPS, targets
    x = torch.randn(3, 9, 5)
    with torch.no_grad():
        torch.testing.assert_close(ep.module()(x), layer(x))


def test_dynamic_batch_under_compile_one_graph_per_shape_kind():
    import torch._dynamo.utils as dutils

    layer = _built("lstm")
    torch._dynamo.reset()
    compiled = torch.compile(layer, backend="aot_eager", fullgraph=True)
    before = dutils.counters["stats"]["unique_graphs"]
    with torch.no_grad():
        for batch in (2, 3, 5, 8):
            x = torch.randn(batch, 9, 5)
            torch.testing.assert_close(compiled(x), layer(x), atol=1e-6, rtol=1e-6)
    assert dutils.counters["stats"]["unique_graphs"] - before <= 2


def _lstm_args(batch=3, steps=4, features=5, units=6):
    layer = _built("lstm")
    params = layer.cell._torch_params()
    x = torch.randn(batch, steps, features)
    h0, c0 = torch.randn(1, batch, units), torch.randn(1, batch, units)
    return x, h0, c0, [p.detach() for p in params]


def test_ops_pass_torch_opcheck():
    # Fake (meta) kernels agree with the real ones: shapes, strides, dtypes, schema.
    x, h0, c0, params = _lstm_args()
    torch.library.opcheck(fused_ops.lstm_inference, (x, h0, c0, params, True))
    gru = _built("gru")
    gp = [p.detach() for p in gru.cell._torch_params()]
    torch.library.opcheck(fused_ops.rnn_inference, ("gru", torch.randn(3, 4, 5), h0, gp, True))


def test_op_matches_torch_kernel():
    x, h0, c0, params = _lstm_args()
    out, h, c = fused_ops.lstm_inference(x, h0, c0, params, True)
    ref_out, ref_h, ref_c = torch._VF.lstm(x, (h0, c0), params, True, 1, 0.0, False, False, True)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h, ref_h)
    torch.testing.assert_close(c, ref_c)


def test_time_major_layout_is_kept_or_made():
    t = torch.randn(4, 3, 6)  # (T, B, H)
    view = t.transpose(0, 1)
    assert fused_ops._time_major(view) is view
    batch_major = torch.randn(3, 4, 6)
    made = fused_ops._time_major(batch_major)
    assert made.stride() == (6, 18, 1)
    torch.testing.assert_close(made, batch_major)


def test_unknown_kind_is_refused():
    x, h0, _, params = _lstm_args()
    with pytest.raises(ValueError, match="Unknown fused RNN kernel 'lstm'"):
        fused_ops.rnn_inference("lstm", x, h0, params, True)


def test_autocast_keeps_torch_ops_and_eager_dtype():
    # A compiled graph runs its ops without autocast: inside an opaque op the kernel would
    # compute in float32 where eager computes in bfloat16.
    layer = _built("lstm")
    x = torch.randn(3, 9, 5)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        expected = layer(x)
        out, ops = _graph_ops(layer, x)
    assert not ops & KSHIM_OPS, ops
    assert out.dtype == expected.dtype == torch.bfloat16
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("kind", ["gru", "simple_rnn_tanh", "simple_rnn_relu"])
def test_gru_and_rnn_kernels_get_a_time_major_contiguous_input(monkeypatch, kind, grad):
    # torch's kernel projects the input in one matmul only if its time-major view folds
    # to a matrix (or the weights require grad): a contiguous batch-first input with the
    # gate-reordered weights of a no_grad call would run one small matmul per step.
    layer = _built(kind)
    name = {"gru": "gru", "simple_rnn_tanh": "rnn_tanh", "simple_rnn_relu": "rnn_relu"}[kind]
    real, seen = getattr(torch._VF, name), []

    def spy(x, *args):
        seen.append((x.is_contiguous(), args[-1]))
        return real(x, *args)

    x = torch.randn(3, 7, 5)
    with torch.set_grad_enabled(grad):
        expected = layer(x)
        monkeypatch.setattr(torch._VF, name, spy)
        got = layer(x)
    assert seen == [(True, False)]  # contiguous, and batch_first=False
    assert got.shape == (3, 7, 6)
    assert got.stride() == (6, 18, 1)  # a batch-first view of a time-major buffer
    torch.testing.assert_close(got, expected)


def test_time_major_input_gives_the_batch_first_result():
    gru = _built("gru")
    params = [p.detach() for p in gru.cell._torch_params()]
    x, h0 = torch.randn(3, 4, 5), torch.randn(1, 3, 6)
    out, h = fused_ops.rnn_inference("gru", x, h0, params, True)
    ref_out, ref_h = torch._VF.gru(x, h0, params, True, 1, 0.0, False, False, True)
    torch.testing.assert_close(out, ref_out)
    torch.testing.assert_close(h, ref_h)
