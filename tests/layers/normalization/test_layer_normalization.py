import warnings

import numpy as np
import pytest
import torch

from kshim.layers import LayerNormalization

GATE = [
    ({}, (2, 3, 4), 2),
    ({"axis": [1, 2], "epsilon": 1e-5}, (2, 3, 4), 2),
    ({"axis": 1}, (2, 3, 4), 2),  # not trailing: a permuted view
    ({"axis": [-1, 1], "center": False}, (2, 3, 4), 1),  # Keras' mixed-sign order
    ({"center": False, "scale": False}, (2, 5), 0),
]


@pytest.mark.parametrize("kwargs, shape, trainable", GATE)
def test_gate(gate, kwargs, shape, trainable):
    gate(LayerNormalization, kwargs, shape, trainable, 0)


PARITY = [
    ({}, (4, 5)),
    ({}, (2, 3, 4)),
    ({"axis": [1, 2]}, (2, 3, 4)),
    ({"axis": [-2, -1], "epsilon": 1e-5}, (2, 3, 4)),
    ({"axis": (0, 2)}, (2, 3, 4)),  # not contiguous
    ({"axis": [-1, 1]}, (2, 3, 4)),  # Keras reshapes the weights (scrambling them): same here
    ({"axis": [-1, 0]}, (4, 4)),  # weights of the input's rank: Keras does not reshape them
    ({"center": False}, (3, 6)),
    ({"scale": False, "epsilon": None}, (3, 6)),
]


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape", PARITY)
def test_keras_parity(keras, parity, rng, kwargs, shape):
    x = (rng.standard_normal(shape) * 2 + 0.5).astype("float32")
    layer = parity(keras, LayerNormalization, kwargs, x, rng)
    assert isinstance(layer.axis, list)  # sorted list once built, as Keras


def _reference(x, axes, gamma, beta, eps):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@pytest.mark.parametrize("axis, shape", [(1, (2, 3, 4)), (-2, (2, 3, 3)), ([1, 2], (2, 3, 4, 5))])
def test_non_trailing_axes(rng, axis, shape):
    # Keras 3.15's torch backend raises (or silently normalizes the last axis when the
    # sizes agree) here; this is what its other backends compute.
    x = rng.standard_normal(shape).astype("float32")
    layer = LayerNormalization(axis=axis)
    layer(torch.from_numpy(x))
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.weights])
    axes = tuple(np.atleast_1d(axis))
    bshape = [shape[i] if i in [a % len(shape) for a in axes] else 1 for i in range(len(shape))]
    gamma, beta = (w.numpy().reshape(bshape) for w in layer.weights)
    want = _reference(x, axes, gamma, beta, 1e-3)
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach(), want, atol=1e-5, rtol=1e-5)


@pytest.mark.parity
def test_rms_scaling_is_deprecated_and_matches_keras(keras, rng):
    x = rng.standard_normal((3, 4, 5)).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling=True"):
        ours = LayerNormalization(rms_scaling=True, name="ln")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = keras.layers.LayerNormalization(rms_scaling=True, name="ln")
        assert ours.get_config() == theirs.get_config()
        theirs.build(x.shape)
        theirs.set_weights([rng.uniform(0.5, 1.5, (5,)).astype("float32")])
        want = keras.ops.convert_to_numpy(theirs(x))
    ours(torch.from_numpy(x))
    assert [w.name for w in ours.weights] == ["gamma"]  # no beta
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(torch.from_numpy(x)).detach(), want, atol=1e-5, rtol=1e-5)


def test_any_rank_for_negative_trailing_axes():
    layer = LayerNormalization()
    layer(torch.randn(2, 3, 4))
    assert layer(torch.randn(5, 4)).shape == (5, 4)  # as Keras: only the last axis is fixed


def test_half_precision_computes_in_float32():
    x = torch.randn(4, 8) * 100
    got = LayerNormalization(dtype="bfloat16")(x.bfloat16())
    assert got.dtype == torch.bfloat16
    want = LayerNormalization()(x.bfloat16().float())
    torch.testing.assert_close(got.float(), want.detach(), atol=0.02, rtol=0.02)


def test_bad_inputs():
    layer = LayerNormalization(name="under_test")
    layer(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(torch.zeros(2, 3, 5))
    positional = LayerNormalization(axis=1)
    positional(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        positional(torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Axis 3 is out of bounds"):
        LayerNormalization(axis=3)(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="Duplicate axes"):
        LayerNormalization(axis=[1, -1])(torch.zeros(2, 4))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="epsilon"):
        LayerNormalization(epsilon=-1.0)
    with pytest.raises(ValueError, match="epsilon"):
        LayerNormalization(epsilon="small")
    with pytest.raises(TypeError, match="axis"):  # Keras raises TypeError here
        LayerNormalization(axis="last")
    with pytest.raises(TypeError, match="axis"):
        LayerNormalization(axis=[1, 2.5])
