import numpy as np
import pytest
import torch

from kshim.backend import config
from kshim.layers import RMSNormalization


@pytest.mark.parametrize(
    "kwargs, shape", [({}, (2, 3, 4)), ({"axis": 1}, (2, 3, 4)), ({"axis": [-1, 1]}, (2, 3, 4))]
)
def test_gate(gate, kwargs, shape):
    layer = gate(RMSNormalization, kwargs, shape, 1, 0)
    assert [w.name for w in layer.weights] == ["scale"]


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs, shape",
    [({}, (4, 5)), ({}, (2, 3, 4)), ({"axis": [1, 2], "epsilon": 1e-3}, (2, 3, 4))],
)
def test_keras_parity(keras, parity, rng, kwargs, shape):
    x = (rng.standard_normal(shape) + 0.5).astype("float32")
    layer = parity(keras, RMSNormalization, kwargs, x, rng)
    assert isinstance(layer.axis, list)


@pytest.mark.parametrize("axis, shape", [(1, (2, 3, 4)), ((0, 2), (2, 3, 4)), ([-1, 1], (2, 3, 4))])
def test_non_trailing_axes(rng, axis, shape):
    # Keras 3.15 fails on these axes (its scale weight is not broadcast to the input).
    x = rng.standard_normal(shape).astype("float32")
    layer = RMSNormalization(axis=axis)
    layer(torch.from_numpy(x))
    scale = rng.uniform(0.5, 1.5, layer.scale.shape).astype("float32")
    layer.set_weights([scale])
    axes = sorted(np.atleast_1d(axis).tolist())  # Keras' (and the weight's) order
    pos = [a % x.ndim for a in axes]
    moved = np.moveaxis(x, pos, list(range(x.ndim - len(pos), x.ndim)))
    rms = np.sqrt((moved**2).mean(axis=tuple(range(x.ndim - len(pos), x.ndim)), keepdims=True))
    want = np.moveaxis(
        moved / np.sqrt(rms**2 + 1e-6) * scale, list(range(x.ndim - len(pos), x.ndim)), pos
    )
    np.testing.assert_allclose(layer(torch.from_numpy(x)).detach(), want, atol=1e-5, rtol=1e-5)


def test_epsilon_none_uses_backend_epsilon():
    x = torch.tensor([[1e-4, 0.0]])
    got = RMSNormalization(epsilon=None)(x)
    want = x / torch.sqrt((x * x).mean() + config.epsilon())
    torch.testing.assert_close(got.detach(), want)


def test_bad_inputs_and_arguments():
    layer = RMSNormalization(name="under_test")
    layer(torch.zeros(2, 4))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(torch.zeros(2, 5))
    with pytest.raises(ValueError, match="epsilon"):
        RMSNormalization(epsilon=-1e-6)
    with pytest.raises(TypeError, match="axis"):
        RMSNormalization(axis=None)
