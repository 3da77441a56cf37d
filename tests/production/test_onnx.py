"""``torch.onnx.export(..., dynamo=True)`` of built kshim models, run with ONNX Runtime."""

import numpy as np
import pytest
import torch
from torch.export import Dim

pytest.importorskip("onnx", reason="ONNX export needs the `onnx` package")
pytest.importorskip("onnxscript", reason="torch.onnx.export(dynamo=True) needs `onnxscript`")
ort = pytest.importorskip("onnxruntime", reason="running the exported model needs `onnxruntime`")

pytestmark = [
    # torch's ONNX decomposition step deep-copies pytree specs, which warns from copyreg
    # (so the warning is not attributed to torch and our torch.* filters miss it).
    pytest.mark.filterwarnings(
        r"ignore:`isinstance\(treespec, LeafSpec\)` is deprecated:FutureWarning"
    ),
]

BATCH = (({0: Dim("batch")},),)


def _session(model, sample_shape):
    example = torch.randn(3, *sample_shape)
    program = torch.onnx.export(model, (example,), dynamo=True, dynamic_shapes=BATCH, verbose=False)
    return ort.InferenceSession(
        program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def test_onnx_runtime_matches_eager_on_other_batch_sizes(production_model):
    model, sample_shape = production_model
    sess = _session(model, sample_shape)
    (inp,) = sess.get_inputs()
    assert isinstance(inp.shape[0], str), f"batch is not dynamic in the ONNX graph: {inp.shape}"
    assert list(inp.shape[1:]) == list(sample_shape)
    for batch in (1, 2, 7):
        x = torch.randn(batch, *sample_shape)
        (out,) = sess.run(None, {inp.name: x.numpy()})
        with torch.no_grad():
            expected = model(x).numpy()
        assert out.shape == expected.shape
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
