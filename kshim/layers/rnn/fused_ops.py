"""torch's fused RNN kernels, kept whole under ``torch.compile``.

Inductor decomposes ``aten.lstm``/``aten.gru``/``aten.rnn_*`` into one block of ops per time
step, so compiling a 50-step LSTM means generating and building code for 50 unrolled
steps (tens of seconds on CPU), and the time grows with the sequence length. In inference
under ``torch.compile`` the fused kernels are therefore called through the custom ops
below: one opaque node in the graph (no graph break), run by the same kernel as in eager.
``unroll=True`` keeps Keras' meaning: the step loop is written out, and compiled as such.

Only inference takes this path (autograd off): the ops have no backward. Under
``torch.export`` the aten ops are kept, so exported programs and ONNX need no kshim op;
inside ``torch.autocast`` too, so the kernel's dtype is the one autocast picks.
"""

from __future__ import annotations

import torch

from kshim.layers.layer import _autocasting, _is_exporting

_KINDS = ("rnn_tanh", "rnn_relu", "gru")


def _kernel(kind):
    """``torch._VF.<kind>``, looked up per call (so it can be spied on in tests)."""
    if kind not in _KINDS:
        raise ValueError(f"Unknown fused RNN kernel {kind!r}: expected one of {_KINDS}.")
    return getattr(torch._VF, kind)


def _args(x, hx, params, has_biases, train, batch_first=True):
    """The arguments torch's fused RNN kernels take: one layer, no dropout, one
    direction."""
    return (x, hx, params, has_biases, 1, 0.0, train, False, batch_first)


def _time_major(t):
    """``t`` ``(B, T, H)`` laid out time-major, as the fake kernels declare: torch's
    kernels already return that layout (a batch-first view of a ``(T, B, H)`` buffer)."""
    if t.stride() == (t.shape[2], t.shape[0] * t.shape[2], 1):
        return t
    return t.transpose(0, 1).contiguous().transpose(0, 1)


def _empty_time_major(x, hidden):
    batch, steps = x.shape[0], x.shape[1]
    return x.new_empty((steps, batch, hidden)).transpose(0, 1)


def _lstm_kernel(x, h0, c0, params, has_biases):
    out, h, c = torch._VF.lstm(*_args(x, (h0, c0), params, has_biases, False))
    return _time_major(out), h.contiguous(), c.contiguous()


def _call_rnn(kind, x, h0, params, has_biases, train):
    """``torch._VF.<kind>`` on a batch-first ``x``, fed time-major and contiguous.

    The kernel projects the whole input in one matmul only when its time-major view of
    ``x`` folds to a matrix, or when the weights require grad (then it copies ``x``
    itself). Gate-reordered weights made under ``no_grad`` do not, so a contiguous
    batch-first input would run one small matmul per step (a ``bmm``): about 5% of a GRU
    call. The copy is a no-op when ``x`` is already time-major (another RNN's output).
    The output is the same batch-first view of a time-major buffer the kernel returns
    for a batch-first call."""
    xt = x.transpose(0, 1).contiguous()
    out, h = _kernel(kind)(*_args(xt, h0, params, has_biases, train, batch_first=False))
    return out.transpose(0, 1), h


def _rnn_kernel(kind, x, h0, params, has_biases):
    out, h = _call_rnn(kind, x, h0, params, has_biases, False)
    return _time_major(out), h.contiguous()


# A low-level library rather than ``torch.library.custom_op``: its Python wrapper costs
# tens of microseconds per call, on a kernel of a few hundred.
_LIB = torch.library.Library("kshim", "DEF")
_LIB.define(
    "lstm_inference(Tensor x, Tensor h0, Tensor c0, Tensor[] params, bool has_biases)"
    " -> (Tensor, Tensor, Tensor)"
)
_LIB.define(
    "rnn_inference(str kind, Tensor x, Tensor h0, Tensor[] params, bool has_biases)"
    " -> (Tensor, Tensor)"
)
_LIB.impl("lstm_inference", _lstm_kernel, "CompositeExplicitAutograd")
_LIB.impl("rnn_inference", _rnn_kernel, "CompositeExplicitAutograd")


@torch.library.register_fake("kshim::lstm_inference", lib=_LIB)
def _(x, h0, c0, params, has_biases):
    return _empty_time_major(x, h0.shape[-1]), h0.new_empty(h0.shape), c0.new_empty(c0.shape)


@torch.library.register_fake("kshim::rnn_inference", lib=_LIB)
def _(kind, x, h0, params, has_biases):
    return _empty_time_major(x, h0.shape[-1]), h0.new_empty(h0.shape)


lstm_inference = torch.ops.kshim.lstm_inference.default
rnn_inference = torch.ops.kshim.rnn_inference.default


def _opaque(x) -> bool:
    """Whether to call the fused kernel as one opaque op: compiling (not exporting), with
    no autograd (the ops have no backward) and no ``torch.autocast`` (a compiled graph
    runs its ops without it, so inside the op the kernel would not be autocast as it is
    in eager; the traced aten ops are)."""
    if not torch.compiler.is_compiling() or torch.is_grad_enabled():
        return False
    return not (_is_exporting() or _autocasting(x))


def lstm(x, h0, c0, params, has_biases):
    """torch's fused LSTM on a batch-first input, states ``(1, B, H)``: ``(out, h, c)``."""
    if _opaque(x):
        return lstm_inference(x, h0, c0, list(params), has_biases)
    return torch._VF.lstm(*_args(x, (h0, c0), params, has_biases, torch.is_grad_enabled()))


def rnn(kind, x, h0, params, has_biases):
    """torch's fused ``kind`` (``rnn_tanh``, ``rnn_relu`` or ``gru``) on a batch-first
    input, state ``(1, B, H)``: ``(out, h)``."""
    if _opaque(x):
        return rnn_inference(kind, x, h0, list(params), has_biases)
    return _call_rnn(kind, x, h0, params, has_biases, torch.is_grad_enabled())
