"""The sequence driver shared by the built-in cells: torch's fused kernels against the
loop over time steps (outputs, states, gradients), when each one runs, and compilation
of both with zero graph breaks."""

import pytest
import torch
import torch._dynamo

from kshim.layers import GRU, LSTM, SimpleRNN

LAYERS = {
    "lstm": (LSTM, {}, "lstm"),
    "gru": (GRU, {}, "gru"),
    "simple_rnn": (SimpleRNN, {}, "rnn_tanh"),
    "simple_rnn_relu": (SimpleRNN, {"activation": "relu"}, "rnn_relu"),
}


@pytest.fixture
def fused_calls(monkeypatch):
    """Counts calls of torch's fused recurrent kernels."""
    calls = []
    for name in ("lstm", "gru", "rnn_tanh", "rnn_relu"):
        real = getattr(torch._VF, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(torch._VF, name, spy)
    return calls


def _twins(cls, kwargs, **extra):
    """The same weights in a layer allowed the fused kernel and one that loops."""
    fused = cls(4, return_sequences=True, return_state=True, **kwargs, **extra)
    loop_kwargs = {"use_cudnn": False} if cls is not SimpleRNN else {"unroll": True}
    loop = cls(4, return_sequences=True, return_state=True, **kwargs, **extra, **loop_kwargs)
    x = torch.randn(3, 5, 2)
    fused(x), loop(x)
    loop.set_weights(fused.get_weights())
    with torch.no_grad():  # non-zero biases, so the bias rearrangement is checked too
        for w in (fused.cell.bias,):
            w.copy_(torch.randn_like(w))
    loop.set_weights(fused.get_weights())
    return fused, loop


@pytest.mark.parametrize("mask", [None, "right", "left", "empty_row", "holes"])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_fused_matches_loop(fused_calls, masks, layer, go_backwards, mask):
    cls, kwargs, kernel = LAYERS[layer]
    fused, loop = _twins(cls, kwargs, go_backwards=go_backwards)
    fused_calls.clear()
    x = torch.randn(3, 5, 2, requires_grad=True)
    m = None if mask is None else torch.from_numpy(masks[mask])
    got = fused(x, mask=m, training=True)
    # Masks whose valid steps are one block per row run the fused kernel too.
    assert fused_calls == ([] if mask == "holes" else [kernel])
    fused_calls.clear()
    want = loop(x, mask=m, training=True)
    assert fused_calls == []
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    # Gradients agree (the carry freeze on padded steps lets no gradient through).
    ga = torch.autograd.grad(sum(t.sum() for t in got), [x, *fused.trainable_weights])
    gb = torch.autograd.grad(sum(t.sum() for t in want), [x, *loop.trainable_weights])
    for a, b in zip(ga, gb):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    "cls, kwargs, training",
    [
        (LSTM, {"recurrent_dropout": 0.5}, True),  # active recurrent dropout
        (LSTM, {"recurrent_activation": "hard_sigmoid"}, False),
        (GRU, {"reset_after": False}, False),
        (GRU, {"unroll": True}, False),
        (SimpleRNN, {"activation": "sigmoid"}, False),
    ],
)
def test_loop_when_keras_has_no_fused_path(fused_calls, cls, kwargs, training):
    cls(3, **kwargs)(torch.randn(2, 4, 3), training=training)
    assert fused_calls == []


def test_fused_with_input_dropout_and_inactive_recurrent_dropout(fused_calls):
    layer = LSTM(3, dropout=0.5, recurrent_dropout=0.5)
    layer(torch.randn(2, 4, 3))  # inference: recurrent dropout is off
    layer = GRU(3, dropout=0.5)
    layer(torch.randn(2, 4, 3), training=True)  # input dropout, one mask per sequence
    assert fused_calls == ["lstm", "gru"]


def _compiled_agrees(calls, layer, x, **kwargs):
    """Zero graph breaks, compiled == eager; returns the fused kernels traced."""
    torch._dynamo.reset()
    calls.clear()
    explain = torch._dynamo.explain(layer)(x, **kwargs)
    assert explain.graph_break_count == 0, explain.break_reasons
    traced = list(calls)
    compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")
    for a, b in zip(compiled(x, **kwargs), layer(x, **kwargs)):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    torch._dynamo.reset()
    return traced


def test_compiled_fused_gru_and_masked_loop(fused_calls, masks):
    gru = GRU(3, return_sequences=True, return_state=True)
    x = torch.randn(3, 5, 2)
    gru(x)
    # With autograd: the fused GRU kernel traces.
    assert _compiled_agrees(fused_calls, gru, x) == ["gru"]
    # A mask under compilation: the loop with torch.where (no look at the mask's values).
    assert _compiled_agrees(fused_calls, gru, x, mask=torch.from_numpy(masks["right"])) == []


def test_compiled_lstm(fused_calls):
    """torch.compile's LSTM decomposition (mkldnn_rnn_layer) breaks its own backward in
    torch 2.13, so the compiled LSTM loops when autograd records; without autograd the
    fused kernel is one opaque op (``kshim::lstm_inference``, see test_fused_ops.py) that
    runs torch's kernel."""
    lstm = LSTM(3, return_sequences=True, return_state=True)
    x = torch.randn(2, 4, 2)
    lstm(x)
    assert _compiled_agrees(fused_calls, lstm, x) == []
    with torch.no_grad():
        assert _compiled_agrees(fused_calls, lstm, x) == ["lstm"]
        compiled = torch.compile(lstm, fullgraph=True, backend="aot_eager")
        compiled(x)
        fused_calls.clear()
        compiled(x)
        assert fused_calls == ["lstm"]
    torch._dynamo.reset()


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
def test_weight_writes_are_seen(cls):
    """The fused kernel's rearranged weights follow every write, ``.data`` ones too."""
    layer = cls(3, return_sequences=True)
    x = torch.randn(2, 4, 3)
    with torch.no_grad():
        first = layer(x)
        layer.set_weights([w * 0.5 for w in layer.get_weights()])
        halved = layer(x)
        layer.cell.recurrent_kernel.data.mul_(2)
        doubled = layer(x)
    assert not torch.allclose(halved, first) and not torch.allclose(doubled, halved)
    loop = cls(3, return_sequences=True, unroll=True)
    loop(x)
    loop.set_weights(layer.get_weights())
    torch.testing.assert_close(doubled, loop(x), atol=1e-6, rtol=1e-6)
