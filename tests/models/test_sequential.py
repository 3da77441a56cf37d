"""Sequential models."""

import numpy as np
import pytest
import torch
import torch._dynamo
from torch import nn

import kshim
from kshim.layers import Dense, Dropout


def test_with_input_is_built_at_once():
    model = kshim.Sequential([kshim.Input((4,)), Dense(8), Dense(2)])
    assert model.built and len(model.weights) == 4
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert len(model.layers) == 2  # the InputLayer is not listed, as in Keras
    assert model(torch.ones(3, 4)).shape == (3, 2)


def test_without_input_builds_at_first_call():
    model = kshim.Sequential([Dense(8), Dense(2)])
    assert not model.built and model.weights == []
    y = model(torch.ones(3, 4))
    assert model.built and y.shape == (3, 2)
    assert model(torch.ones(7, 4)).shape == (7, 2)  # any batch size afterwards


def test_input_shape_keyword_on_first_layer_builds():
    model = kshim.Sequential([Dense(8, input_shape=(5,)), Dense(1)])
    assert model.built and model.input_shape == (None, 5)


def test_add_and_pop():
    model = kshim.Sequential()
    model.add(kshim.Input((3,)))
    model.add(Dense(4))
    model.add(Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, Dense) and model.output_shape == (None, 4)
    assert list(model.state_dict()) == ["dense.kernel", "dense.bias"]
    with pytest.raises(ValueError, match="Only instances of"):
        model.add("not a layer")
    with pytest.raises(ValueError, match="InputLayer can only be its first layer"):
        model.add(kshim.Input((3,)))


def test_torch_module_is_wrapped():
    model = kshim.Sequential([kshim.Input((3,)), nn.Linear(3, 4), Dense(2)])
    assert isinstance(model.layers[0], kshim.layers.TorchModuleWrapper)
    assert model(torch.ones(2, 3)).shape == (2, 2)
    assert len(model.trainable_weights) == 4


def test_twins_share_state_dict_keys():
    def make():
        return kshim.Sequential([kshim.Input((3,)), Dense(4), Dropout(0.1), Dense(2)])

    a, b = make(), make()
    assert (
        list(a.state_dict())
        == list(b.state_dict())
        == [
            "dense.kernel",
            "dense.bias",
            "dense_1.kernel",
            "dense_1.bias",
        ]
    )
    b.load_state_dict(a.state_dict())
    x = torch.randn(2, 3)
    torch.testing.assert_close(a(x), b(x))


def test_wrong_input_shape_is_value_error():
    model = kshim.Sequential([kshim.Input((3,)), Dense(2)])
    with pytest.raises(
        ValueError, match=r"expected shape \(None, 3\), but received input with shape \(2, 5\)"
    ):
        model(torch.ones(2, 5))
    with pytest.raises(ValueError, match=r"but received input with shape \(2, 1, 3\)"):
        model(torch.ones(2, 1, 3))  # the right last axis, the wrong rank
    assert model(torch.ones(7, 3)).shape == (7, 2)


def test_config_round_trip_and_keras(keras):
    model = kshim.Sequential([kshim.Input((3,)), Dense(4, activation="relu"), Dense(2)], name="seq")
    config = model.get_config()
    assert config["build_input_shape"] == (None, 3)
    clone = kshim.Sequential.from_config(config)
    assert clone.get_config() == config
    km = keras.Sequential.from_config(config)
    km.set_weights(model.get_weights())
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(
        km(x).detach().numpy(), model(torch.from_numpy(x)).detach().numpy(), atol=1e-6
    )
    back = kshim.Sequential.from_config(km.get_config())
    assert back.built and back.output_shape == (None, 2)


def test_clone_model_sequential():
    model = kshim.Sequential([kshim.Input((3,)), Dense(4)])
    clone = kshim.models.clone_model(model)
    assert clone.layers[0] is not model.layers[0]
    assert clone.output_shape == (None, 4)


def test_masks_flow_through_sequential():
    class MaskZero(kshim.layers.Layer):
        def call(self, x):
            return x

        def compute_mask(self, inputs, mask=None):
            return inputs[..., 0] != 0

    class MaskedSum(kshim.layers.Layer):
        def call(self, x, mask=None):
            return (x * mask.unsqueeze(-1)).sum(1)

    model = kshim.Sequential([MaskZero(), MaskedSum()])
    t = torch.ones(1, 4, 2)
    t[:, 2:] = 0
    t[:, 2:, 1] = 5  # feature 1 is non-zero but the step is masked by feature 0
    torch.testing.assert_close(model(t), torch.full((1, 2), 2.0))


def test_compiled_sequential_zero_graph_breaks():
    model = kshim.Sequential(
        [kshim.Input((8,)), Dense(8, activation="relu"), Dropout(0.2), Dense(2)]
    )
    x = torch.randn(4, 8)
    for training in (False, True):
        explain = torch._dynamo.explain(model)(x, training=training)
        assert explain.graph_break_count == 0, explain.break_reasons
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x), model(x))
