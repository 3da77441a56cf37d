import numpy as np
import pytest
import torch

from kshim.layers import UnitNormalization


@pytest.mark.parametrize("kwargs, shape", [({}, (2, 5)), ({"axis": [1, 2]}, (2, 3, 4))])
def test_gate(gate, kwargs, shape):
    gate(UnitNormalization, kwargs, shape, 0, 0)


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs, shape",
    [({}, (4, 5)), ({"axis": 1}, (2, 3, 4)), ({"axis": (0, 2)}, (2, 3, 4)), ({}, (3, 2, 6))],
)
def test_keras_parity(keras, parity, rng, kwargs, shape):
    x = rng.standard_normal(shape).astype("float32")
    parity(keras, UnitNormalization, kwargs, x, rng)


@pytest.mark.parity
def test_zero_and_tiny_inputs_match_keras(keras):
    x = np.array([[0.0, 0.0], [1e-14, 0.0], [3.0, 4.0]], "float32")
    want = keras.ops.convert_to_numpy(keras.layers.UnitNormalization()(x))
    got = UnitNormalization()(torch.from_numpy(x))
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-6)


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected min_ndim=3"):
        UnitNormalization(axis=[1, 2])(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="out of bounds"):
        UnitNormalization(axis=2).compute_output_shape((2, 3))
    with pytest.raises(TypeError, match="axis"):  # Keras raises TypeError here
        UnitNormalization(axis="last")
