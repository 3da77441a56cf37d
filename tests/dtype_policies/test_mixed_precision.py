"""Mixed precision policies: float32 weights, half-precision compute."""

import numpy as np
import pytest
import torch
import torch._dynamo

import kshim
from kshim.layers import Dense


@pytest.fixture
def mixed_policy():
    def set_policy(name):
        kshim.mixed_precision.set_global_policy(name)

    yield set_policy
    kshim.mixed_precision.set_global_policy(None)


@pytest.mark.parametrize(
    "name, half", [("mixed_bfloat16", torch.bfloat16), ("mixed_float16", torch.float16)]
)
def test_global_policy_weights_float32_compute_half(mixed_policy, name, half):
    mixed_policy(name)
    assert kshim.mixed_precision.global_policy().name == name
    model = kshim.Sequential([kshim.Input((3,)), Dense(4, activation="relu"), Dense(2)])
    assert all(p.dtype == torch.float32 for p in model.parameters())
    y = model(torch.randn(5, 3))
    assert y.dtype == half
    y.float().sum().backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float32 for p in model.parameters())


def test_per_layer_policy_and_outputs_match_float32_within_half_precision():
    ref = Dense(8)
    mixed = Dense(8, dtype="mixed_bfloat16")
    x = torch.randn(4, 16)
    ref(x)
    mixed(x)
    mixed.set_weights(ref.get_weights())
    torch.testing.assert_close(mixed(x).float(), ref(x), atol=0.1, rtol=0.02)
    assert mixed.kernel.dtype == torch.bfloat16  # read inside a mixed layer: cast
    assert mixed.weights[0].dtype == torch.float32  # the weight itself stays float32


def test_mixed_policy_compiles_without_graph_breaks():
    model = kshim.Sequential(
        [
            kshim.Input((8,)),
            Dense(8, activation="relu", dtype="mixed_bfloat16"),
            Dense(2, dtype="mixed_bfloat16"),
        ]
    )
    x = torch.randn(3, 8)
    explain = torch._dynamo.explain(model)(x)
    assert explain.graph_break_count == 0, explain.break_reasons
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x), model(x))


def test_float32_model_inside_torch_autocast():
    model = kshim.Sequential([kshim.Input((8,)), Dense(8, activation="relu"), Dense(2)])
    x = torch.randn(3, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = model(x)
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(y.float(), model(x), atol=0.1, rtol=0.05)


def test_unknown_policy_lists_valid_ones():
    with pytest.raises(ValueError, match="Valid policies are 'mixed_float16', 'mixed_bfloat16'"):
        kshim.mixed_precision.set_global_policy("mixed_float8")


def test_parity_with_keras_mixed_bfloat16(keras):
    x = np.random.default_rng(0).standard_normal((4, 6)).astype("float32")
    ours = Dense(3, dtype="mixed_bfloat16")
    theirs = keras.layers.Dense(3, dtype="mixed_bfloat16")
    theirs(x)
    ours(torch.from_numpy(x))
    ours.set_weights(theirs.get_weights())
    a = ours(torch.from_numpy(x))
    b = theirs(x)
    assert str(a.dtype) == "torch.bfloat16" and str(b.dtype) == "torch.bfloat16"
    np.testing.assert_allclose(
        a.float().detach().numpy(), b.float().detach().numpy(), atol=1e-2, rtol=1e-2
    )


def test_add_weight_autocast_false_is_not_cast():
    class Scaled(kshim.layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")
            self.keep = self.add_weight(
                shape=(input_shape[-1],), initializer="ones", autocast=False
            )

        def call(self, x):
            return x * self.scale

    layer = Scaled(dtype="mixed_bfloat16")
    layer(torch.ones(1, 3))
    assert layer.scale.dtype == torch.bfloat16
    assert layer.keep.dtype == torch.float32
