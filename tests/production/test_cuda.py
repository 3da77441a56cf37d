"""Compiled inference: CUDA graphs (``mode="reduce-overhead"``) on CUDA, and the CPU
stand-ins that check what CUDA graphs need: one full graph, identical replays, and no
Python-side state written by a forward pass."""

import copy

import pytest
import torch
import torch._dynamo

import kshim
from kshim import layers as L

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _inputs(sample_shape, n, batch=4, device="cpu"):
    g = torch.Generator().manual_seed(123)
    return [torch.randn(batch, *sample_shape, generator=g).to(device) for _ in range(n)]


def _snapshot(model):
    """Everything a forward pass could write on the Python side, per module: each
    attribute's identity (and a container's items), and each parameter's and buffer's
    identity and version counter (in-place writes bump it)."""
    attrs = {}
    for name, module in model.named_modules():
        entry = {}
        for key, value in vars(module).items():
            items = None
            if isinstance(value, (list, tuple)):
                items = tuple(map(id, value))
            elif isinstance(value, dict):
                items = tuple((k, id(v)) for k, v in value.items())
            elif isinstance(value, set):
                items = frozenset(map(id, value))
            entry[key] = (id(value), items)
        attrs[name] = entry
    tensors = {
        name: (id(t), t._version)
        for name, t in list(model.named_parameters()) + list(model.named_buffers())
    }
    return attrs, tensors


def _diff(before, after):
    changed = []
    for name in before[0].keys() | after[0].keys():
        b, a = before[0].get(name, {}), after[0].get(name, {})
        changed += [f"{name or '<model>'}.{k}" for k in b.keys() | a.keys() if b.get(k) != a.get(k)]
    changed += [k for k in before[1] if before[1][k] != after[1].get(k)]
    return sorted(changed)


@requires_cuda
def test_reduce_overhead_matches_eager_on_cuda(production_model):
    from torch._dynamo.utils import counters

    model, sample_shape = production_model
    model = model.to("cuda")
    counters.clear()
    compiled = torch.compile(model, mode="reduce-overhead", fullgraph=True)
    xs = _inputs(sample_shape, 4, device="cuda")
    with torch.no_grad():
        for x in xs:
            torch.compiler.cudagraph_mark_step_begin()
            out = compiled(x).clone()  # graph outputs are overwritten by the next replay
            torch.testing.assert_close(out, model(x), rtol=1e-4, atol=1e-4)
    skips = counters["inductor"].get("cudagraph_skips", 0)
    assert skips == 0, "CUDA graphs were skipped for this model"


def test_fullgraph_compiled_inference_writes_no_python_state(production_model):
    # CPU stand-in for CUDA graphs: replays must be identical and leave every layer as it
    # was (no attribute set, no list appended to, no buffer written in place).
    model, sample_shape = production_model
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)
    xs = _inputs(sample_shape, 3)
    with torch.no_grad():
        eager = [model(x) for x in xs]
        before = _snapshot(model)
        first = [compiled(x) for x in xs]
        again = [compiled(x) for x in xs]
        after = _snapshot(model)
    assert _diff(before, after) == []
    # Replays are bitwise identical, and so is eager, but for BatchNormalization: traced,
    # its inference is the affine map ``x * scale + shift`` (eager runs torch's kernel,
    # which fuses the multiply-add), so the last bit may differ.
    has_bn = any(type(m).__name__ == "BatchNormalization" for m in model.modules())
    tol = 1e-6 if has_bn else 0.0
    for e, f, a in zip(eager, first, again):
        torch.testing.assert_close(a, f, rtol=0, atol=0)
        torch.testing.assert_close(f, e, rtol=tol, atol=tol)


def test_model_has_no_graph_breaks(production_model):
    model, sample_shape = production_model
    (x,) = _inputs(sample_shape, 1)
    explain = torch._dynamo.explain(model)(x)
    assert explain.graph_break_count == 0, explain.break_reasons
    assert explain.graph_count == 1


def test_compiled_model_runs_on_meta(production_model):
    # The device-free stand-in: the same compiled graph traces and runs on `meta` tensors.
    model, sample_shape = production_model
    (x,) = _inputs(sample_shape, 1)
    with torch.no_grad():
        expected = model(x)
    meta_model = copy.deepcopy(model).to("meta")
    compiled = torch.compile(meta_model, backend="aot_eager", fullgraph=True)
    with torch.no_grad():
        out = compiled(x.to("meta"))
    assert out.device.type == "meta"
    assert out.shape == expected.shape and out.dtype == expected.dtype


def test_compiling_an_unbuilt_model_fails_with_how_to_build_it():
    model = kshim.Sequential([L.Dense(3)])
    # Under fullgraph=True, torch.compile reports the layer's ValueError through dynamo's
    # own exception type (dynamo wraps every exception raised while it traces).
    with pytest.raises(Exception, match=r"is not built.*call it once on a real input") as info:
        torch.compile(model, backend="aot_eager", fullgraph=True)(torch.ones(2, 4))
    assert "build(input_shape)" in str(info.value)
    assert not model.built


@pytest.mark.parametrize("kind", ["sequential", "subclassed", "function"])
def test_compiling_unbuilt_without_fullgraph_raises_value_error_and_builds_nothing(
    kind, make_unbuilt
):
    # Without fullgraph dynamo falls back to running the frame eagerly while it compiles
    # every function called from it; a build there used to fail deep in fake tensors.
    model = make_unbuilt("sequential" if kind == "sequential" else "subclassed")
    target = (lambda x: model(x) * 2) if kind == "function" else model
    compiled = torch.compile(target, backend="aot_eager")
    with pytest.raises(ValueError, match=r"is not built.*call it once on a real input"):
        compiled(torch.ones(2, 4))
    assert not model.built
    assert not list(model.parameters()), "a failed compiled call must not leave weights"
    # The advice works: one eager call builds it, and the same compiled callable then runs.
    model(torch.ones(2, 4))
    x = torch.randn(6, 4)
    expected = model(x) * 2 if kind == "function" else model(x)
    torch.testing.assert_close(compiled(x), expected)
