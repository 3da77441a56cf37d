"""kshim beside hand-written torch (and Keras 3 when installed), in one process.

For each reference network it prints eager microseconds per call and the ratio to torch,
and (unless --eager-only) the compiled time and ratio (inductor, both sides with the same
flags), graph breaks (``torch._dynamo.explain``), compile seconds over six batch sizes
(each side's first compile in a fresh process, best of two: ``comp s``/``t.comp``; and the
ratio of the best of three in-process recompiles: ``warm r``), and the number of graphs
those six batch sizes made. Times are the minimum over interleaved rounds of many calls,
in inference (no_grad), on CPU with one thread (on CUDA with CUDA events after a warm-up).
Quote the ratios: both sides are measured in the same run, on the same inputs, with the
same weights (outputs are checked equal before timing). Each side gets its natural layout:
kshim (like Keras) takes channels-last images, the hand-written torch network
channels-first.

    .venv/bin/python scripts/bench.py                          # everything
    .venv/bin/python scripts/bench.py --eager-only --cases dense,mlp
    .venv/bin/python scripts/bench.py --json bench.json        # also write the table
    .venv/bin/python scripts/bench.py --plain-parameters       # what kshim.Variable costs

``--plain-parameters`` also times a copy of each kshim network whose ``kshim.Variable``
weights are swapped for plain ``nn.Parameter``s and buffers (a diagnostic, not a kshim
mode): the difference is what the Keras variable API costs, since torch's C++ argument
parser looks up ``__torch_function__`` on every tensor-subclass argument of every op.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

os.environ.setdefault("KERAS_BACKEND", "torch")
# Compile seconds are compared: no on-disk graph cache may serve one side from the other's
# work (kshim's MLP and torch's MLP lower to the same graph).
os.environ.setdefault("TORCHINDUCTOR_FX_GRAPH_CACHE", "0")
os.environ.setdefault("TORCHINDUCTOR_AUTOGRAD_CACHE", "0")

import torch  # noqa: E402
import torch._dynamo  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import kshim  # noqa: E402
from kshim import layers as L  # noqa: E402

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
BATCH_SIZES = (2, 3, 5, 8, 13, 21)


@dataclass
class Case:
    ours: nn.Module
    ref: nn.Module
    make_input: Callable[[int], torch.Tensor]  # batch size -> kshim's input
    to_ref: Callable[[torch.Tensor], torch.Tensor] = lambda x: x  # kshim's input -> torch's
    batch: int = 32
    keras: Callable[[], object] | None = None  # builds the same network in Keras 3
    notes: list = field(default_factory=list)


def _copy_dense(dense, linear):
    with torch.no_grad():
        linear.weight.copy_(dense.kernel.T)
        linear.bias.copy_(dense.bias)


def _copy_conv(conv, torch_conv):
    with torch.no_grad():
        torch_conv.weight.copy_(conv.kernel.permute(3, 2, 0, 1))
        torch_conv.bias.copy_(conv.bias)


def _copy_bn(bn, torch_bn):
    with torch.no_grad():
        for ours, theirs in (
            (bn.gamma, torch_bn.weight),
            (bn.beta, torch_bn.bias),
            (bn.moving_mean, torch_bn.running_mean),
            (bn.moving_variance, torch_bn.running_var),
        ):
            theirs.copy_(ours)


def _copy_layer_norm(ln, torch_ln):
    with torch.no_grad():
        torch_ln.weight.copy_(ln.gamma)
        torch_ln.bias.copy_(ln.beta)


def _torch_mlp():
    return nn.Sequential(
        nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10)
    )


def _keras_mlp():
    import keras

    return keras.Sequential(
        [
            keras.Input((128,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )


def _vectors(batch):
    return torch.randn(batch, 128)


# ------------------------------------------------------------------ reference networks


def case_dense():
    ours = L.Dense(128)
    ours(_vectors(2))
    ref = nn.Linear(128, 128)
    _copy_dense(ours, ref)

    def keras_dense():
        import keras

        layer = keras.layers.Dense(128)
        layer(torch.randn(2, 128))
        return layer

    return Case(ours, ref, _vectors, keras=keras_dense)


def _mlp_case(ours, denses):
    ref = _torch_mlp()
    for d, lin in zip(denses, [ref[0], ref[2], ref[4]]):
        _copy_dense(d, lin)
    return Case(ours, ref, _vectors, keras=_keras_mlp)


def case_mlp():
    class MLP(L.Layer):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(128, activation="relu")
            self.d2 = L.Dense(128, activation="relu")
            self.d3 = L.Dense(10)

        def call(self, x):
            return self.d3(self.d2(self.d1(x)))

    ours = MLP()
    ours(_vectors(2))
    return _mlp_case(ours, [ours.d1, ours.d2, ours.d3])


def case_functional():
    inp = kshim.Input((128,))
    h = L.Dense(128, activation="relu")(inp)
    h = L.Dense(128, activation="relu")(h)
    ours = kshim.Model(inp, L.Dense(10)(h))
    return _mlp_case(ours, ours.layers[1:])


def case_sequential():
    ours = kshim.Sequential(
        [
            kshim.Input((128,)),
            L.Dense(128, activation="relu"),
            L.Dense(128, activation="relu"),
            L.Dense(10),
        ]
    )
    return _mlp_case(ours, ours.layers)


def case_subclassed():
    class MLP(kshim.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(128, activation="relu")
            self.d2 = L.Dense(128, activation="relu")
            self.d3 = L.Dense(10)

        def call(self, x):
            return self.d3(self.d2(self.d1(x)))

    ours = MLP()
    ours(_vectors(2))
    return _mlp_case(ours, [ours.d1, ours.d2, ours.d3])


def case_cnn():
    """Conv2D, BatchNormalization, ReLU, MaxPooling2D, GlobalAveragePooling2D, Dense."""

    def images(batch):
        return torch.randn(batch, 32, 32, 3)

    ours = kshim.Sequential(
        [
            kshim.Input((32, 32, 3)),
            L.Conv2D(32, 3, padding="same"),
            L.BatchNormalization(),
            L.ReLU(),
            L.MaxPooling2D(2),
            L.Conv2D(64, 3, padding="same"),
            L.BatchNormalization(),
            L.ReLU(),
            L.GlobalAveragePooling2D(),
            L.Dense(10),
        ]
    )
    # Non-trivial running statistics, so inference really uses them.
    ours.train()
    with torch.no_grad():
        for _ in range(3):
            ours(images(16))
    ours.eval()
    ref = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.BatchNorm2d(32, eps=1e-3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.BatchNorm2d(64, eps=1e-3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, 10),
    )
    c1, b1, _, _, c2, b2, _, _, d = ours.layers
    _copy_conv(c1, ref[0])
    _copy_bn(b1, ref[1])
    _copy_conv(c2, ref[4])
    _copy_bn(b2, ref[5])
    _copy_dense(d, ref[9])

    def keras_cnn():
        import keras

        return keras.Sequential(
            [
                keras.Input((32, 32, 3)),
                keras.layers.Conv2D(32, 3, padding="same"),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.MaxPooling2D(2),
                keras.layers.Conv2D(64, 3, padding="same"),
                keras.layers.BatchNormalization(),
                keras.layers.ReLU(),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(10),
            ]
        )

    return Case(
        ours,
        ref,
        images,
        to_ref=lambda x: x.permute(0, 3, 1, 2).contiguous(),
        batch=8,
        keras=keras_cnn,
    )


def case_rnn():
    """LSTM(64, return_sequences=True) then GRU(64) on (batch, 50, 32)."""

    def sequences(batch):
        return torch.randn(batch, 50, 32)

    ours = kshim.Sequential([kshim.Input((50, 32)), L.LSTM(64, return_sequences=True), L.GRU(64)])

    class TorchRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(32, 64, batch_first=True)
            self.gru = nn.GRU(64, 64, batch_first=True)

        def forward(self, x):
            return self.gru(self.lstm(x)[0])[0][:, -1]

    ref = TorchRNN()
    lstm, gru = ours.layers
    with torch.no_grad():
        k, rk, b = (w.detach() for w in lstm.weights)  # Keras gates i, f, c, o == torch i, f, g, o
        ref.lstm.weight_ih_l0.copy_(k.T)
        ref.lstm.weight_hh_l0.copy_(rk.T)
        ref.lstm.bias_ih_l0.copy_(b)
        ref.lstm.bias_hh_l0.zero_()
        k, rk, b = (w.detach() for w in gru.weights)  # Keras z, r, h -> torch r, z, n

        def reorder(t, axis):
            z, r, h = t.chunk(3, dim=axis)
            return torch.cat([r, z, h], dim=axis)

        ref.gru.weight_ih_l0.copy_(reorder(k, 1).T)
        ref.gru.weight_hh_l0.copy_(reorder(rk, 1).T)
        ref.gru.bias_ih_l0.copy_(reorder(b[0], 0))
        ref.gru.bias_hh_l0.copy_(reorder(b[1], 0))

    def keras_rnn():
        import keras

        return keras.Sequential(
            [
                keras.Input((50, 32)),
                keras.layers.LSTM(64, return_sequences=True),
                keras.layers.GRU(64),
            ]
        )

    return Case(ours, ref, sequences, batch=8, keras=keras_rnn)


def case_transformer():
    """A Transformer encoder block: MHA(4 heads, key_dim 32) + residual + LayerNorm +
    Dense(256, relu) + Dense(128) + residual + LayerNorm, on (batch, 64, 128)."""

    def tokens(batch):
        return torch.randn(batch, 64, 128)

    class Block(L.Layer):
        def __init__(self):
            super().__init__()
            self.attn = L.MultiHeadAttention(num_heads=4, key_dim=32)
            self.ln1 = L.LayerNormalization(epsilon=1e-5)
            self.ff1 = L.Dense(256, activation="relu")
            self.ff2 = L.Dense(128)
            self.ln2 = L.LayerNormalization(epsilon=1e-5)

        def call(self, x):
            x = self.ln1(x + self.attn(x, x))
            return self.ln2(x + self.ff2(self.ff1(x)))

    class TorchBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(128, 4, batch_first=True)
            self.ln1 = nn.LayerNorm(128)
            self.ff1 = nn.Linear(128, 256)
            self.ff2 = nn.Linear(256, 128)
            self.ln2 = nn.LayerNorm(128)

        def forward(self, x):
            x = self.ln1(x + self.attn(x, x, x, need_weights=False)[0])
            return self.ln2(x + self.ff2(torch.relu(self.ff1(x))))

    ours = Block()
    ours(tokens(2))
    ref = TorchBlock()
    with torch.no_grad():
        a = ours.attn
        q, k, v = (
            layer.kernel.detach().reshape(128, 128).T
            for layer in (a._query_dense, a._key_dense, a._value_dense)
        )
        ref.attn.in_proj_weight.copy_(torch.cat([q, k, v], 0))
        ref.attn.in_proj_bias.copy_(
            torch.cat(
                [
                    layer.bias.detach().reshape(128)
                    for layer in (a._query_dense, a._key_dense, a._value_dense)
                ]
            )
        )
        ref.attn.out_proj.weight.copy_(a._output_dense.kernel.detach().reshape(128, 128).T)
        ref.attn.out_proj.bias.copy_(a._output_dense.bias.detach())
    _copy_layer_norm(ours.ln1, ref.ln1)
    _copy_layer_norm(ours.ln2, ref.ln2)
    _copy_dense(ours.ff1, ref.ff1)
    _copy_dense(ours.ff2, ref.ff2)

    def keras_block():
        import keras

        inp = keras.Input((64, 128))
        x = keras.layers.LayerNormalization(epsilon=1e-5)(
            inp + keras.layers.MultiHeadAttention(4, 32)(inp, inp)
        )
        y = keras.layers.Dense(128)(keras.layers.Dense(256, activation="relu")(x))
        return keras.Model(inp, keras.layers.LayerNormalization(epsilon=1e-5)(x + y))

    return Case(ours, ref, tokens, batch=8, keras=keras_block)


CASES = {
    "dense": case_dense,
    "mlp": case_mlp,
    "functional": case_functional,
    "sequential": case_sequential,
    "subclassed": case_subclassed,
    "cnn": case_cnn,
    "rnn": case_rnn,
    "transformer": case_transformer,
}


# ------------------------------------------------------------------ timing


def _time_block(fn, x, n):
    if x.is_cuda:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(n):
            fn(x)
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) * 1e3 / n
    t0 = time.perf_counter()
    for _ in range(n):
        fn(x)
    return (time.perf_counter() - t0) * 1e6 / n


def time_interleaved(fns: dict, inputs: dict, seconds_per_round=0.05, rounds=15) -> dict:
    """Minimum microseconds per call for each function, measured in alternating rounds."""
    with torch.no_grad():
        calls = {}
        for name, fn in fns.items():
            for _ in range(5):
                fn(inputs[name])
            one = _time_block(fn, inputs[name], 3)
            calls[name] = max(3, int(seconds_per_round * 1e6 / max(one, 1.0)))
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(rounds):
            for name, fn in fns.items():
                best[name] = min(best[name], _time_block(fn, inputs[name], calls[name]))
    return best


def graph_breaks(module, x) -> int:
    torch._dynamo.reset()
    return max(0, torch._dynamo.explain(module)(x).graph_break_count)


def _graph_count() -> int:
    import torch._dynamo.utils as dutils

    return dutils.counters["stats"]["unique_graphs"]


def compile_and_count(module, make_input):
    """Compiles with inductor and calls it on the six batch sizes; returns (compiled,
    seconds those calls took, graphs they made).

    Both sides are compiled with the same flags, torch.compile's defaults. kshim's zero
    graph breaks are counted separately (``graph_breaks``), and the test suite compiles
    every layer with ``fullgraph=True``; but timing with ``fullgraph=True`` would not be
    like for like: in torch 2.13 it costs every call a few microseconds more on CPU (about
    4 us on an ``nn.Linear``), and torch's ``nn.LSTM``/``nn.GRU`` cannot compile with it.
    No ``torch._dynamo.reset()`` here: the caller resets once before compiling both sides,
    since a reset between them would throw away the first side's graphs, which would then
    recompile for the timing batch size alone (a static graph timed against a dynamic one)."""
    compiled = torch.compile(module)
    before = _graph_count()
    t0 = time.perf_counter()
    with torch.no_grad():
        for b in BATCH_SIZES:
            compiled(make_input(b))
    return compiled, time.perf_counter() - t0, _graph_count() - before


def _prepare(case):
    """The case's two networks on the device in eval mode, and their input makers
    (batch size -> input): ``(ours, ref, ours_input, ref_input)``."""

    def ours_input(b):
        return case.make_input(b).to(DEVICE)

    def ref_input(b):
        return case.to_ref(ours_input(b))

    ours, ref = case.ours.to(DEVICE).eval(), case.ref.to(DEVICE).eval()
    return ours, ref, ours_input, ref_input


def _case_side(name, side):
    """(module, make_input) for one side of a case, as run_case builds them."""
    ours, ref, ours_input, ref_input = _prepare(CASES[name]())
    return (ours, ours_input) if side == "kshim" else (ref, ref_input)


def _cold_compile_child(name, side) -> None:
    """Run in a fresh process: the seconds the first compile over six batch sizes takes."""
    if DEVICE.type == "cpu":
        torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    torch.compile(lambda t: t * 2)(torch.ones(2, device=DEVICE))  # inductor's start-up
    module, make_input = _case_side(name, side)
    print(compile_and_count(module, make_input)[1])


def cold_compile_seconds(name, repeats=2) -> dict:
    """Each side's first compile in a fresh Python (no on-disk caches): what a user waits.
    The best of ``repeats`` fresh processes, sides alternating: one sample is noisy."""
    best = {"kshim": float("inf"), "torch": float("inf")}
    for _ in range(repeats):
        for side in best:
            done = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--cold-compile-child", name, side],
                capture_output=True,
                text=True,
                check=True,
            )
            best[side] = min(best[side], float(done.stdout.strip().splitlines()[-1]))
    return best


def compile_seconds(modules: dict, make_inputs: dict, repeats=3) -> dict:
    """Best of ``repeats`` compiles (from a dynamo reset) over the six batch sizes, sides
    alternating. The first compile of a graph also pays inductor's C++ build, which later
    ones find in its in-process cache; the best of three compares what each side's own
    code costs to trace and lower, without one cold start deciding the ratio."""
    best = dict.fromkeys(modules, float("inf"))
    for _ in range(repeats):
        for name, module in modules.items():
            torch._dynamo.reset()
            # The garbage of earlier compiles is collected now, not billed to this one: a
            # full collection landing inside a compile moved single samples by up to 30%.
            gc.collect()
            best[name] = min(best[name], compile_and_count(module, make_inputs[name])[1])
    return best


# ------------------------------------------------------------------ main


def time_functional_build(depth=200) -> float:
    """Seconds to build a ``depth``-layer functional model symbolically (best of 3)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        x = kshim.Input((64,))
        h = x
        for _ in range(depth):
            h = L.Dense(64)(h)
        kshim.Model(x, h)
        best = min(best, time.perf_counter() - t0)
    return best


def with_plain_parameters(module: nn.Module) -> nn.Module:
    """A copy of ``module`` whose weights are plain ``nn.Parameter``s and tensors."""
    plain = copy.deepcopy(module)
    for m in plain.modules():
        for key, p in list(m._parameters.items()):
            if p is not None:
                m._parameters[key] = nn.Parameter(p.detach(), requires_grad=p.requires_grad)
        for key, b in list(m._buffers.items()):
            if b is not None:
                m._buffers[key] = b.detach().as_subclass(torch.Tensor)
    return plain


def run_case(name, make, have_keras, eager_only, plain_parameters=False):
    case = make()
    ours, ref, ours_input, ref_input = _prepare(case)
    x = ours_input(case.batch)
    inputs = {"kshim": x, "torch": case.to_ref(x)}
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ref(inputs["torch"]), atol=1e-4, rtol=1e-4)
    fns = {"kshim": ours, "torch": ref}
    if plain_parameters:
        fns["plain"] = with_plain_parameters(ours)
        inputs["plain"] = x
    if have_keras and case.keras is not None:
        keras_model = case.keras()
        keras_model(x)
        fns["keras"] = keras_model
        inputs["keras"] = x
    t = time_interleaved(fns, inputs)
    row = {
        "case": name,
        "batch": case.batch,
        "eager_us": {k: round(v, 2) for k, v in t.items()},
        "eager_ratio": round(t["kshim"] / t["torch"], 3),
    }
    if "keras" in t:
        row["keras_ratio"] = round(t["keras"] / t["torch"], 2)
    if "plain" in t:
        row["eager_ratio_plain_parameters"] = round(t["plain"] / t["torch"], 3)
    if not eager_only:
        row["graph_breaks"] = graph_breaks(ours, x)
        row["torch_graph_breaks"] = graph_breaks(ref, inputs["torch"])
        warm = compile_seconds(
            {"kshim": ours, "torch": ref}, {"kshim": ours_input, "torch": ref_input}
        )
        cold = cold_compile_seconds(name)
        torch._dynamo.reset()
        c_ours, _, g_ours = compile_and_count(ours, ours_input)
        c_ref, _, g_ref = compile_and_count(ref, ref_input)
        compiled = {"kshim": c_ours, "torch": c_ref}
        if plain_parameters:
            compiled["plain"] = compile_and_count(fns["plain"], ours_input)[0]
        before = _graph_count()
        tc = time_interleaved(compiled, inputs)
        if _graph_count() != before:  # both sides must be timed on the graphs counted above
            raise RuntimeError(f"{name}: a graph was compiled while timing")
        row.update(
            compiled_us={k: round(v, 2) for k, v in tc.items()},
            compiled_ratio=round(tc["kshim"] / tc["torch"], 3),
            compile_s={k: round(v, 3) for k, v in cold.items()},
            compile_ratio=round(cold["kshim"] / cold["torch"], 2),
            warm_compile_s={k: round(v, 3) for k, v in warm.items()},
            warm_compile_ratio=round(warm["kshim"] / warm["torch"], 2),
            graphs_over_6_batch_sizes={"kshim": g_ours, "torch": g_ref},
        )
        if plain_parameters:
            row["compiled_ratio_plain_parameters"] = round(tc["plain"] / tc["torch"], 3)
    return row


def format_row(row) -> str:
    t = row["eager_us"]
    line = f"{row['case']:<12}{t['kshim']:>10.1f}{t['torch']:>10.1f}{row['eager_ratio']:>8.3f}"
    line += (
        f"{t['keras']:>10.1f}{row['keras_ratio']:>9.2f}" if "keras" in t else f"{'-':>10}{'-':>9}"
    )
    if "compiled_us" in row:
        c = row["compiled_us"]
        line += (
            f"{c['kshim']:>9.1f}{c['torch']:>9.1f}{row['compiled_ratio']:>8.3f}{row['graph_breaks']:>7}"
            f"{row['torch_graph_breaks']:>9}"
            f"{row['compile_s']['kshim']:>8.2f}{row['compile_s']['torch']:>8.2f}"
            f"{row['warm_compile_ratio']:>8.2f}"
            f"{row['graphs_over_6_batch_sizes']['kshim']:>8}{row['graphs_over_6_batch_sizes']['torch']:>8}"
        )
    if "eager_ratio_plain_parameters" in row:
        line += (
            f"\n{'':<12}with plain nn.Parameters: eager {row['eager_ratio_plain_parameters']:.3f}"
        )
        if "compiled_ratio_plain_parameters" in row:
            line += f", compiled {row['compiled_ratio_plain_parameters']:.3f}"
    return line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--cases", default=",".join(CASES), help="comma-separated: " + ",".join(CASES)
    )
    parser.add_argument("--eager-only", action="store_true", help="skip torch.compile")
    parser.add_argument("--no-keras", action="store_true", help="skip Keras 3 even if installed")
    parser.add_argument("--json", help="also write the table as JSON to this path")
    parser.add_argument(
        "--plain-parameters",
        action="store_true",
        help="also time kshim with plain nn.Parameters (what kshim.Variable costs)",
    )
    parser.add_argument("--cold-compile-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cold_compile_child:
        _cold_compile_child(*args.cold_compile_child)
        return 0
    names = args.cases.split(",")
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}; known: {', '.join(CASES)}")

    if DEVICE.type == "cpu":
        torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    have_keras = False
    if not args.no_keras:
        try:
            import keras  # noqa: F401

            have_keras = True
        except ImportError:
            pass
    torch.manual_seed(0)
    if not args.eager_only:  # inductor's one-time start-up is nobody's compile time
        torch.compile(lambda t: t * 2)(torch.ones(2, device=DEVICE))
    print(f"device={DEVICE.type} threads={torch.get_num_threads()} torch={torch.__version__}")
    header = (
        f"{'case':<12}{'kshim us':>10}{'torch us':>10}{'ratio':>8}{'keras us':>10}{'k/torch':>9}"
    )
    if not args.eager_only:
        header += f"{'c.kshim':>9}{'c.torch':>9}{'c.ratio':>8}{'breaks':>7}{'t.breaks':>9}{'comp s':>8}{'t.comp':>8}{'warm r':>8}{'graphs':>8}{'t.graph':>8}"
    print(header)
    rows = []
    for name in names:
        try:
            row = run_case(name, CASES[name], have_keras, args.eager_only, args.plain_parameters)
        except AttributeError as e:  # a catalog layer not available in this checkout
            print(f"{name:<12}skipped: {e}", flush=True)
            continue
        rows.append(row)
        print(format_row(row), flush=True)
    build_s = time_functional_build()
    print(f"building a 200-layer functional model symbolically: {build_s:.2f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"device": DEVICE.type, "torch": torch.__version__, "rows": rows}, f, indent=2
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
