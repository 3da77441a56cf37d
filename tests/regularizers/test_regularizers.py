"""Regularizers: Keras 3 parity (penalties, configs), get/serialize, validation."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

from kshim import regularizers

keras = pytest.importorskip("keras")

CASES = [
    ("L1", {}),
    ("L1", {"l1": 0.3}),
    ("L2", {}),
    ("L2", {"l2": 0.7}),
    ("L1L2", {}),
    ("L1L2", {"l1": 0.2}),
    ("L1L2", {"l1": 0.2, "l2": 0.05}),
    ("L1L2", {"l1": None, "l2": 0.1}),
    ("OrthogonalRegularizer", {}),
    ("OrthogonalRegularizer", {"factor": 0.5, "mode": "columns"}),
]
IDS = [f"{name}-{kwargs}" for name, kwargs in CASES]


def _weight(dtype=torch.float32):
    gen = torch.Generator().manual_seed(0)
    return torch.randn(6, 4, generator=gen, dtype=torch.float64).to(dtype)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_penalty_matches_keras(name, kwargs, dtype):
    w = _weight(dtype)
    ours = getattr(regularizers, name)(**kwargs)(w)
    theirs = getattr(keras.regularizers, name)(**kwargs)(w.clone())
    assert isinstance(ours, torch.Tensor) and ours.ndim == 0 and ours.dtype == dtype
    np.testing.assert_allclose(ours.numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-6)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_config_and_serialize_match_keras(name, kwargs):
    ours = getattr(regularizers, name)(**kwargs)
    theirs = getattr(keras.regularizers, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert regularizers.serialize(ours) == keras.regularizers.serialize(theirs)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_config_round_trip(name, kwargs):
    cls = getattr(regularizers, name)
    reg = cls(**kwargs)
    assert cls.from_config(reg.get_config()).get_config() == reg.get_config()
    restored = regularizers.deserialize(regularizers.serialize(reg))
    assert type(restored) is cls and restored.get_config() == reg.get_config()
    # and through Keras
    theirs = keras.regularizers.deserialize(regularizers.serialize(reg))
    assert theirs.get_config() == reg.get_config()
    assert regularizers.deserialize(keras.regularizers.serialize(theirs)).get_config() == (
        reg.get_config()
    )


@pytest.mark.parametrize(
    "alias, cls",
    [
        ("L1", "L1"),
        ("l1", "L1"),
        ("L2", "L2"),
        ("l2", "L2"),
        ("L1L2", "L1L2"),
        ("l1l2", "L1L2"),
        ("l1_l2", "L1L2"),
        ("OrthogonalRegularizer", "OrthogonalRegularizer"),
        ("orthogonal_regularizer", "OrthogonalRegularizer"),
    ],
)
def test_get_aliases(alias, cls):
    reg = regularizers.get(alias)
    assert type(reg) is getattr(regularizers, cls)
    if alias != "l1_l2":  # Keras 3.15 only knows "l1l2" in `get`
        assert reg.get_config() == keras.regularizers.get(alias).get_config()
    if hasattr(keras.regularizers, alias):
        assert getattr(regularizers, alias) is type(reg)


def test_get_variants():
    assert regularizers.get(None) is None
    reg = regularizers.L2(0.1)
    assert regularizers.get(reg) is reg
    assert type(regularizers.get(regularizers.L1)) is regularizers.L1
    got = regularizers.get({"class_name": "L1L2", "config": {"l1": 0.5, "l2": 0.0}})
    assert got.get_config() == {"l1": 0.5, "l2": 0.0}

    def fn(x):
        return x.sum()

    assert regularizers.get(fn) is fn


@pytest.mark.parametrize("identifier", ["nope", {"class_name": "Nope", "config": {}}, 1.5])
def test_get_unknown_raises_keras_message(identifier):
    message = f"Could not interpret regularizer identifier: {identifier}"
    with pytest.raises(ValueError) as ours:
        regularizers.get(identifier)
    with pytest.raises(ValueError) as theirs:
        keras.regularizers.get(identifier)
    assert str(ours.value) == message == str(theirs.value)


@pytest.mark.parametrize(
    "cls, kwargs, arg",
    [
        ("L1", {"l1": -0.1}, "l1"),
        ("L2", {"l2": float("inf")}, "l2"),
        ("L1L2", {"l1": float("nan")}, "l1"),
        ("L1L2", {"l2": "big"}, "l2"),
        ("OrthogonalRegularizer", {"factor": -1.0}, "factor"),
    ],
)
def test_invalid_factors(cls, kwargs, arg):
    match = f"Invalid value for argument {arg}: expected a non-negative float"
    with pytest.raises(ValueError, match=match):
        getattr(regularizers, cls)(**kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(keras.regularizers, cls)(**kwargs)


def test_orthogonal_regularizer_errors():
    with pytest.raises(ValueError, match="Invalid value for argument `mode`"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match="must have rank 2"):
        regularizers.OrthogonalRegularizer()(torch.ones(2, 2, 2))
    assert regularizers.OrthogonalRegularizer(1.0)(torch.eye(4)).item() == 0.0


def test_base_class():
    base = regularizers.Regularizer()
    out = base(torch.ones(3, dtype=torch.float64))
    assert out.ndim == 0 and out.item() == 0.0 and out.dtype == torch.float64
    with pytest.raises(NotImplementedError, match="does not implement get_config"):
        base.get_config()


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_compiles_and_backpropagates(name, kwargs):
    reg = getattr(regularizers, name)(**kwargs)
    w = _weight().requires_grad_()
    compiled = torch.compile(reg, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(w), reg(w))
    penalty = reg(w)
    if name == "L1L2" and not kwargs:
        # No penalty at all: a constant zero, as in Keras.
        assert not penalty.requires_grad and penalty.item() == 0.0
        return
    penalty.backward()
    assert w.grad is not None and torch.isfinite(w.grad).all()
