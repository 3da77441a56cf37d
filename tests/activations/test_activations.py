"""Activations: Keras 3 parity, torch.compile without graph breaks, get/serialize."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import warnings

import numpy as np
import pytest
import torch

from kshim import activations
from kshim.saving import custom_object_scope, register_keras_serializable

keras = pytest.importorskip("keras")

# (id, function name, extra keyword arguments)
CASES = [
    ("relu", "relu", {}),
    ("relu-slope", "relu", {"negative_slope": 0.3}),
    ("relu-max", "relu", {"max_value": 1.5}),
    ("relu-max6", "relu", {"max_value": 6.0}),
    ("relu-threshold", "relu", {"threshold": 0.5}),
    ("relu-all", "relu", {"negative_slope": 0.1, "max_value": 2.0, "threshold": -0.5}),
    ("relu-slope-max", "relu", {"negative_slope": 0.2, "max_value": 6}),
    ("leaky_relu", "leaky_relu", {}),
    ("leaky_relu-slope", "leaky_relu", {"negative_slope": 0.05}),
    ("relu6", "relu6", {}),
    ("elu", "elu", {}),
    ("elu-alpha", "elu", {"alpha": 0.5}),
    ("selu", "selu", {}),
    ("celu", "celu", {}),
    ("celu-alpha", "celu", {"alpha": 2.0}),
    ("softmax", "softmax", {}),
    ("softmax-axis0", "softmax", {"axis": 0}),
    ("softmax-tuple", "softmax", {"axis": (1, 2)}),
    ("softmax-none", "softmax", {"axis": None}),
    ("log_softmax", "log_softmax", {}),
    ("log_softmax-axis1", "log_softmax", {"axis": 1}),
    ("log_softmax-tuple", "log_softmax", {"axis": (0, 2)}),
    ("softplus", "softplus", {}),
    ("softsign", "softsign", {}),
    ("soft_shrink", "soft_shrink", {}),
    ("soft_shrink-threshold", "soft_shrink", {"threshold": 1.0}),
    ("sparse_plus", "sparse_plus", {}),
    ("silu", "silu", {}),
    ("swish", "swish", {}),
    ("squareplus", "squareplus", {}),
    ("squareplus-b", "squareplus", {"b": 1}),
    ("gelu", "gelu", {}),
    ("gelu-approximate", "gelu", {"approximate": True}),
    ("glu", "glu", {}),
    ("glu-axis1", "glu", {"axis": 1}),
    ("tanh", "tanh", {}),
    ("tanh_shrink", "tanh_shrink", {}),
    ("hard_tanh", "hard_tanh", {}),
    ("hard_shrink", "hard_shrink", {}),
    ("hard_shrink-threshold", "hard_shrink", {"threshold": 1.5}),
    ("threshold", "threshold", {"threshold": 0.2, "default_value": -1.0}),
    ("sigmoid", "sigmoid", {}),
    ("sparse_sigmoid", "sparse_sigmoid", {}),
    ("exponential", "exponential", {}),
    ("hard_sigmoid", "hard_sigmoid", {}),
    ("hard_silu", "hard_silu", {}),
    ("hard_swish", "hard_swish", {}),
    ("linear", "linear", {}),
    ("mish", "mish", {}),
    ("log_sigmoid", "log_sigmoid", {}),
    ("sparsemax", "sparsemax", {}),
    ("sparsemax-axis1", "sparsemax", {"axis": 1}),
]
CASE_IDS = [c[0] for c in CASES]
# Keras 3.15's sparsemax is wrong whenever more than one value is in the support
# (it sums the cumulative sums over the support); ours is compared with a reference
# implementation, and with Keras on inputs where Keras is right (see below).
PARITY_CASES = [c for c in CASES if c[1] != "sparsemax"]


def _input(dtype=torch.float32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 6, 8, generator=gen, dtype=torch.float64) * 3
    # Values exactly at the kinks and thresholds.
    x[0, 0, :8] = torch.tensor([-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0])
    return x.to(dtype)


def test_every_keras_activation_is_exported():
    public = {n for n in dir(keras.activations) if not n.startswith("_")}
    assert public <= set(activations.__all__)
    for name in public - {"get", "serialize", "deserialize"}:
        assert callable(getattr(activations, name))


@pytest.mark.parametrize("case_id, name, kwargs", PARITY_CASES, ids=[c[0] for c in PARITY_CASES])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_matches_keras(case_id, name, kwargs, dtype):
    x = _input(dtype)
    ours = getattr(activations, name)(x, **kwargs)
    theirs = getattr(keras.activations, name)(x.clone(), **kwargs)
    theirs = keras.ops.convert_to_numpy(theirs)
    assert ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-6)


def _reference_sparsemax(x, axis):
    x = np.moveaxis(x, axis, -1)
    z = -np.sort(-x, axis=-1)
    cumsum = np.cumsum(z, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    support = 1 + k * z > cumsum
    k_max = support.sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, k_max - 1, axis=-1) - 1) / k_max
    return np.moveaxis(np.maximum(x - tau, 0), -1, axis)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_sparsemax_matches_reference(axis):
    x = _input(torch.float64)
    out = activations.sparsemax(x, axis=axis)
    np.testing.assert_allclose(out.numpy(), _reference_sparsemax(x.numpy(), axis), atol=1e-12)
    np.testing.assert_allclose(out.sum(axis).numpy(), 1.0, atol=1e-12)


def test_sparsemax_matches_keras_where_keras_is_right():
    # Keras' result is right when one value dominates (its own tests' inputs).
    x = np.linspace(1, 12, num=12).reshape(-1, 2).astype("float32")
    np.testing.assert_allclose(
        activations.sparsemax(torch.from_numpy(x)).numpy(),
        keras.ops.convert_to_numpy(keras.activations.sparsemax(x)),
    )
    np.testing.assert_allclose(
        activations.sparsemax(torch.tensor([1.0, 0.5, 0.2])).numpy(), [0.75, 0.25, 0.0]
    )


@pytest.mark.parametrize("case_id, name, kwargs", CASES, ids=CASE_IDS)
def test_compiles_without_graph_breaks(case_id, name, kwargs):
    fn = getattr(activations, name)

    def f(x):
        return fn(x, **kwargs)

    x = _input()
    compiled = torch.compile(f, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(x), f(x), rtol=1e-6, atol=1e-6)


def test_gradients_flow():
    x = _input().requires_grad_()
    for name, fn in [("gelu", activations.gelu), ("sparsemax", activations.sparsemax)]:
        fn(x).sum().backward()
        assert x.grad is not None and torch.isfinite(x.grad).all(), name
        x.grad = None


def test_non_tensor_inputs_are_converted():
    out = activations.relu([-10.0, -5.0, 0.0, 5.0, 10.0], threshold=5.0)
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0, 0.0, 10.0])
    assert activations.sigmoid(np.zeros(2, dtype="float32")).dtype == torch.float32


def test_float16_softmax_is_computed_in_float32_like_keras():
    x = _input(torch.float16)
    ours = activations.softmax(x)
    theirs = keras.ops.convert_to_numpy(keras.activations.softmax(x.clone()))
    assert ours.dtype == torch.float16
    np.testing.assert_array_equal(ours.numpy(), theirs)


def test_softmax_over_size_one_axis_warns_like_keras():
    with pytest.warns(UserWarning, match="This axis has size 1"):
        activations.softmax(torch.ones(3, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        activations.softmax(torch.ones(3, 2))


def test_softmax_over_size_one_axis_compiles():
    compiled = torch.compile(activations.softmax, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(torch.ones(3, 1)), torch.ones(3, 1))


def test_glu_odd_axis_raises():
    with pytest.raises(ValueError, match="axis size must be divisible by 2"):
        activations.glu(torch.ones(2, 3))


# ---------------------------------------------------------------- get / serialize


@pytest.mark.parametrize("name", sorted(n for n in dir(keras.activations) if not n.startswith("_")))
def test_get_serialize_deserialize_every_name(name):
    if name in ("get", "serialize", "deserialize"):
        return
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    keras_fn = keras.activations.get(name)
    assert activations.serialize(fn) == keras.activations.serialize(keras_fn)
    assert activations.deserialize(activations.serialize(fn)) is fn
    assert activations.deserialize(name) is fn
    # Keras' generic function config loads too.
    config = keras.saving.serialize_keras_object(keras_fn)
    assert activations.get(config) is fn
    assert activations.deserialize(config) is fn


def test_get_variants():
    assert activations.get(None) is activations.linear
    assert activations.get(torch.tanh) is torch.tanh
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu


@pytest.mark.parametrize("identifier", ["nope", "Relu", 3])
def test_get_unknown_raises_keras_message(identifier):
    message = f"Could not interpret activation function identifier: {identifier}"
    with pytest.raises(ValueError) as ours:
        activations.get(identifier)
    with pytest.raises(ValueError) as theirs:
        keras.activations.get(identifier)
    assert str(ours.value) == message == str(theirs.value)


def test_serialize_matches_keras_for_functions():
    # Keras' generic function config for a built-in function.
    from kshim.saving import serialize_keras_object

    assert serialize_keras_object(activations.relu) == keras.saving.serialize_keras_object(
        keras.activations.relu
    )


def test_serialize_custom_functions():
    def plain(x):
        return x

    assert activations.serialize(plain) == {
        "module": "builtins",
        "class_name": "function",
        "config": "plain",
        "registered_name": "function",
    }

    @register_keras_serializable("kshim_tests")
    def doubled(x):
        return 2 * x

    config = activations.serialize(doubled)
    assert config["config"] == "kshim_tests>doubled"
    assert activations.deserialize(config) is doubled
    assert activations.get("kshim_tests>doubled") is doubled
    with custom_object_scope({"plain": plain}):
        assert activations.get("plain") is plain
        assert activations.deserialize(activations.serialize(plain)) is plain


def test_serialize_string_raises_like_keras():
    with pytest.raises(ValueError, match="Unknown activation function 'relu' cannot be serialized"):
        activations.serialize("relu")
