"""Shared helpers of the attention tests (fixtures, since test modules import by path)."""

import numpy as np
import pytest
import torch
import torch._dynamo


@pytest.fixture
def data():
    """``data(*shape, seed=0)``: a float32 numpy array of standard normals."""

    def make(*shape, seed=0):
        return np.random.default_rng(seed).standard_normal(shape).astype("float32")

    return make


@pytest.fixture
def no_graph_breaks():
    """``no_graph_breaks(layer, *args, **kwargs)``: asserts ``torch._dynamo.explain``
    finds no break in the call and that ``torch.compile(backend="aot_eager")`` gives the
    eager result."""

    def check(layer, *args, **kwargs):
        torch._dynamo.reset()
        explain = torch._dynamo.explain(layer)(*args, **kwargs)
        assert explain.graph_break_count == 0, explain.break_reasons
        eager = layer(*args, **kwargs)
        compiled = torch.compile(layer, fullgraph=True, backend="aot_eager")(*args, **kwargs)
        eager = eager if isinstance(eager, tuple) else (eager,)
        compiled = compiled if isinstance(compiled, tuple) else (compiled,)
        for a, b in zip(compiled, eager):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
        torch._dynamo.reset()

    return check
