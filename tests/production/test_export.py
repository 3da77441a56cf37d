"""``torch.export`` of built kshim models with a dynamic batch dimension."""

import pytest
import torch
from torch.export import Dim

import kshim
from kshim import layers as L

# ``forward(*args, **kwargs)``: the spec is per positional argument, inside the ``args`` tuple.
BATCH = (({0: Dim("batch")},),)


def _export(model, sample_shape, strict=False):
    example = torch.randn(3, *sample_shape)
    return torch.export.export(model, (example,), dynamic_shapes=BATCH, strict=strict)


def test_exported_program_matches_eager_on_other_batch_sizes(production_model):
    model, sample_shape = production_model
    ep = _export(model, sample_shape)
    (name,) = ep.graph_signature.user_inputs
    placeholder = next(n for n in ep.graph.nodes if n.name == name)
    assert isinstance(placeholder.meta["val"].shape[0], torch.SymInt), "batch is not dynamic"
    runner = ep.module()
    for batch in (1, 2, 7):
        x = torch.randn(batch, *sample_shape)
        with torch.no_grad():
            expected = model(x)
        torch.testing.assert_close(runner(x), expected)


def test_exported_weights_keep_the_state_dict_keys(production_model):
    model, sample_shape = production_model
    ep = _export(model, sample_shape)
    assert set(ep.state_dict) == set(model.state_dict())
    for key, value in model.state_dict().items():
        torch.testing.assert_close(ep.state_dict[key], value, rtol=0, atol=0)


def test_strict_export_traces_the_call_path():
    # strict=True traces with dynamo: the Keras call path (call context, input checks) must
    # trace as well as under the default non-strict export.
    model = kshim.Sequential([kshim.Input((8,)), L.Dense(16, activation="relu"), L.Dense(4)])
    model.eval()
    ep = _export(model, (8,), strict=True)
    x = torch.randn(5, 8)
    torch.testing.assert_close(ep.module()(x), model(x))


def test_exported_program_rejects_the_wrong_feature_size():
    model = kshim.Sequential([kshim.Input((8,)), L.Dense(4)])
    ep = _export(model, (8,))
    with pytest.raises(Exception, match=r"(?i)shape|size|dim"):
        ep.module()(torch.randn(2, 9))


@pytest.mark.parametrize("kind", ["sequential", "subclassed"])
def test_exporting_an_unbuilt_model_raises_with_how_to_build_it(kind, make_unbuilt):
    model = make_unbuilt(kind)
    with pytest.raises(ValueError, match=r"is not built.*call it once on a real input"):
        torch.export.export(model, (torch.ones(2, 4),), dynamic_shapes=BATCH)
    assert not model.built
    assert not list(model.parameters()), "a failed export must not leave weights behind"
    # The advice works: one eager call builds it, and export then succeeds.
    model(torch.ones(2, 4))
    ep = torch.export.export(model, (torch.ones(2, 4),), dynamic_shapes=BATCH)
    x = torch.randn(6, 4)
    torch.testing.assert_close(ep.module()(x), model(x))
