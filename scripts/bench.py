"""kshim beside hand-written torch (and Keras 3 when installed), in one process.

For each reference network it prints eager microseconds per call and the ratio to torch,
and (unless --eager-only) the compiled time, ratio, graph breaks, compile seconds and the
number of graphs made over six batch sizes. Times are the minimum over interleaved rounds
of many calls, on CPU with one thread (CUDA: CUDA events after a warm-up). Ratios are the
thing to quote: both sides are measured in the same run.

    .venv/bin/python scripts/bench.py                 # everything
    .venv/bin/python scripts/bench.py --eager-only --cases dense,mlp
    .venv/bin/python scripts/bench.py --json bench.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import kshim  # noqa: E402

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


# ------------------------------------------------------------------ reference networks


def _copy_dense_to_linear(dense, linear):
    with torch.no_grad():
        linear.weight.copy_(dense.kernel.T)
        linear.bias.copy_(dense.bias)


def case_dense():
    x = torch.randn(32, 128)
    ours = kshim.layers.Dense(128)
    ours(x)
    ref = nn.Linear(128, 128)
    _copy_dense_to_linear(ours, ref)
    return ours, ref, x, (128,)


def case_mlp():
    x = torch.randn(32, 128)

    class MLP(kshim.layers.Layer):
        def __init__(self):
            super().__init__()
            self.d1 = kshim.layers.Dense(128, activation="relu")
            self.d2 = kshim.layers.Dense(128, activation="relu")
            self.d3 = kshim.layers.Dense(10)

        def call(self, x):
            return self.d3(self.d2(self.d1(x)))

    ours = MLP()
    ours(x)
    ref = nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    for d, lin in zip([ours.d1, ours.d2, ours.d3], [ref[0], ref[2], ref[4]]):
        _copy_dense_to_linear(d, lin)
    return ours, ref, x, (128,)


def _mlp_weights_to_torch(denses, ref):
    for d, lin in zip(denses, [ref[0], ref[2], ref[4]]):
        _copy_dense_to_linear(d, lin)


def _torch_mlp():
    return nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))


def case_functional():
    x = torch.randn(32, 128)
    inp = kshim.Input((128,))
    h = kshim.layers.Dense(128, activation="relu")(inp)
    h = kshim.layers.Dense(128, activation="relu")(h)
    ours = kshim.Model(inp, kshim.layers.Dense(10)(h))
    ref = _torch_mlp()
    _mlp_weights_to_torch(ours.layers[1:], ref)
    return ours, ref, x, (128,)


def case_sequential():
    x = torch.randn(32, 128)
    ours = kshim.Sequential(
        [
            kshim.Input((128,)),
            kshim.layers.Dense(128, activation="relu"),
            kshim.layers.Dense(128, activation="relu"),
            kshim.layers.Dense(10),
        ]
    )
    ref = _torch_mlp()
    _mlp_weights_to_torch(ours.layers, ref)
    return ours, ref, x, (128,)


def case_subclassed():
    x = torch.randn(32, 128)

    class MLP(kshim.Model):
        def __init__(self):
            super().__init__()
            self.d1 = kshim.layers.Dense(128, activation="relu")
            self.d2 = kshim.layers.Dense(128, activation="relu")
            self.d3 = kshim.layers.Dense(10)

        def call(self, x):
            return self.d3(self.d2(self.d1(x)))

    ours = MLP()
    ours(x)
    ref = _torch_mlp()
    _mlp_weights_to_torch([ours.d1, ours.d2, ours.d3], ref)
    return ours, ref, x, (128,)


def keras_dense():
    import keras

    layer = keras.layers.Dense(128)
    layer(torch.randn(32, 128))
    return layer


def keras_mlp():
    import keras

    model = keras.Sequential(
        [
            keras.Input((128,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    return model


CASES = {
    "dense": (case_dense, keras_dense),
    "mlp": (case_mlp, keras_mlp),
    "functional": (case_functional, keras_mlp),
    "sequential": (case_sequential, keras_mlp),
    "subclassed": (case_subclassed, keras_mlp),
}


# ------------------------------------------------------------------ timing


def _time_block(fn, x, n):
    if DEVICE.type == "cuda":
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


def time_interleaved(fns: dict, x, n=300, rounds=15) -> dict:
    """Minimum microseconds per call for each function, measured in alternating rounds."""
    with torch.no_grad():
        for fn in fns.values():
            for _ in range(20):
                fn(x)
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(rounds):
            for name, fn in fns.items():
                best[name] = min(best[name], _time_block(fn, x, n))
    return best


def graph_breaks(module, x) -> int:
    torch._dynamo.reset()
    return torch._dynamo.explain(module)(x).graph_break_count


def compile_and_count(module, x, feature_shape):
    """Compiles with inductor; returns (compiled, compile seconds, graphs over 6 batch sizes)."""
    import torch._dynamo.utils as dutils

    torch._dynamo.reset()
    compiled = torch.compile(module, fullgraph=True)
    t0 = time.perf_counter()
    with torch.no_grad():
        compiled(x)
    seconds = time.perf_counter() - t0
    before = dutils.counters["stats"]["unique_graphs"]
    with torch.no_grad():
        for b in (2, 3, 5, 8, 13, 21):
            compiled(torch.randn(b, *feature_shape, device=x.device))
    graphs = dutils.counters["stats"]["unique_graphs"] - before
    return compiled, seconds, graphs


# ------------------------------------------------------------------ main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ",".join(CASES))
    parser.add_argument("--eager-only", action="store_true", help="skip torch.compile")
    parser.add_argument("--no-keras", action="store_true", help="skip Keras 3 even if installed")
    parser.add_argument("--json", help="also write the table as JSON to this path")
    parser.add_argument("--calls", type=int, default=300, help="calls per timing round")
    args = parser.parse_args(argv)

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

    rows = []
    print(f"device={DEVICE.type} threads={torch.get_num_threads()} torch={torch.__version__}")
    header = f"{'case':<12}{'kshim us':>10}{'torch us':>10}{'ratio':>8}"
    if have_keras:
        header += f"{'keras us':>10}{'k/torch':>9}"
    if not args.eager_only:
        header += f"{'c.kshim':>9}{'c.torch':>9}{'c.ratio':>8}{'breaks':>7}{'comp s':>8}{'t.comp s':>9}{'graphs':>8}{'t.graphs':>9}"
    print(header)
    for name in args.cases.split(","):
        make, make_keras = CASES[name]
        ours, ref, x, feature_shape = make()
        ours, ref, x = ours.to(DEVICE).eval(), ref.to(DEVICE).eval(), x.to(DEVICE)
        with torch.no_grad():
            torch.testing.assert_close(ours(x), ref(x), atol=1e-4, rtol=1e-4)
        fns = {"kshim": ours, "torch": ref}
        if have_keras:
            fns["keras"] = make_keras()
        t = time_interleaved(fns, x, n=args.calls)
        row = {
            "case": name,
            "eager_us": {k: round(v, 2) for k, v in t.items()},
            "eager_ratio": round(t["kshim"] / t["torch"], 3),
        }
        line = f"{name:<12}{t['kshim']:>10.1f}{t['torch']:>10.1f}{row['eager_ratio']:>8.3f}"
        if have_keras:
            row["keras_ratio"] = round(t["keras"] / t["torch"], 2)
            line += f"{t['keras']:>10.1f}{row['keras_ratio']:>9.2f}"
        if not args.eager_only:
            breaks = graph_breaks(ours, x)
            c_ours, s_ours, g_ours = compile_and_count(ours, x, feature_shape)
            c_ref, s_ref, g_ref = compile_and_count(ref, x, feature_shape)
            tc = time_interleaved({"kshim": c_ours, "torch": c_ref}, x, n=args.calls)
            row.update(
                compiled_us={k: round(v, 2) for k, v in tc.items()},
                compiled_ratio=round(tc["kshim"] / tc["torch"], 3),
                graph_breaks=breaks,
                compile_s={"kshim": round(s_ours, 2), "torch": round(s_ref, 2)},
                graphs_over_6_batch_sizes={"kshim": g_ours, "torch": g_ref},
            )
            line += (
                f"{tc['kshim']:>9.1f}{tc['torch']:>9.1f}{row['compiled_ratio']:>8.3f}{breaks:>7}"
                f"{s_ours:>8.1f}{s_ref:>9.1f}{g_ours:>8}{g_ref:>9}"
            )
        print(line, flush=True)
        rows.append(row)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": DEVICE.type, "torch": torch.__version__, "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
