"""Constraints: Keras 3 parity (projections, configs), get/serialize."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

from kshim import constraints

keras = pytest.importorskip("keras")

CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 0.5, "axis": 1}),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1, 2]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.3, "axis": 1}),
    ("MinMaxNorm", {"min_value": 3.0, "max_value": 4.0, "axis": [0, 1]}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": [0, 1, 2]}),
    ("Constraint", {}),
]
IDS = [f"{name}-{kwargs}" for name, kwargs in CASES]


def _weight(dtype=torch.float32):
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(3, 3, 4, 5, generator=gen, dtype=torch.float64) * 2
    w[..., 0] = 0.0  # zero norms exercise the epsilon
    return w.to(dtype)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_projection_matches_keras(name, kwargs, dtype):
    w = _weight(dtype)
    ours = getattr(constraints, name)(**kwargs)(w)
    theirs = getattr(keras.constraints, name)(**kwargs)(w.clone())
    assert ours.shape == w.shape and ours.dtype == dtype
    np.testing.assert_allclose(
        ours.numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-6, atol=1e-7
    )


def test_norm_bounds():
    w = _weight()
    norms = torch.linalg.vector_norm(constraints.MaxNorm(1.0, axis=[0, 1, 2])(w), dim=(0, 1, 2))
    assert (norms <= 1.0 + 1e-6).all()
    unit = torch.linalg.vector_norm(constraints.UnitNorm(axis=[0, 1, 2])(w), dim=(0, 1, 2))
    torch.testing.assert_close(unit[1:], torch.ones(4))
    assert (constraints.NonNeg()(w) >= 0).all()


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_config_and_serialize_match_keras(name, kwargs):
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert constraints.serialize(ours) == keras.constraints.serialize(theirs)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_config_round_trip(name, kwargs):
    cls = getattr(constraints, name)
    con = cls(**kwargs)
    assert cls.from_config(con.get_config()).get_config() == con.get_config()
    restored = constraints.deserialize(constraints.serialize(con))
    assert type(restored) is cls and restored.get_config() == con.get_config()
    theirs = keras.constraints.deserialize(constraints.serialize(con))
    assert theirs.get_config() == con.get_config()
    assert type(constraints.deserialize(keras.constraints.serialize(theirs))) is cls


@pytest.mark.parametrize(
    "alias, cls",
    [
        ("MaxNorm", "MaxNorm"),
        ("max_norm", "MaxNorm"),
        ("MinMaxNorm", "MinMaxNorm"),
        ("min_max_norm", "MinMaxNorm"),
        ("NonNeg", "NonNeg"),
        ("non_neg", "NonNeg"),
        ("UnitNorm", "UnitNorm"),
        ("unit_norm", "UnitNorm"),
        ("Constraint", "Constraint"),
        ("constraint", "Constraint"),
    ],
)
def test_get_aliases(alias, cls):
    con = constraints.get(alias)
    assert type(con) is getattr(constraints, cls)
    assert con.get_config() == keras.constraints.get(alias).get_config()
    if hasattr(keras.constraints, alias):
        assert getattr(constraints, alias) is type(con)


def test_get_variants():
    assert constraints.get(None) is None
    con = constraints.UnitNorm(axis=1)
    assert constraints.get(con) is con
    assert type(constraints.get(constraints.NonNeg)) is constraints.NonNeg
    got = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}})
    assert got.get_config() == {"max_value": 3, "axis": 1}


@pytest.mark.parametrize("identifier", ["nope", {"class_name": "Nope", "config": {}}, 7])
def test_get_unknown_raises_keras_message(identifier):
    message = f"Could not interpret constraint identifier: {identifier}"
    with pytest.raises(ValueError) as ours:
        constraints.get(identifier)
    with pytest.raises(ValueError) as theirs:
        keras.constraints.get(identifier)
    assert str(ours.value) == message == str(theirs.value)


@pytest.mark.parametrize("name, kwargs", CASES, ids=IDS)
def test_compiles(name, kwargs):
    con = getattr(constraints, name)(**kwargs)
    w = _weight()
    compiled = torch.compile(con, fullgraph=True, backend="aot_eager")
    torch.testing.assert_close(compiled(w), con(w))
