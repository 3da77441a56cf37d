"""Normalization: harness, Keras parity (fixed statistics and adapt() on arrays, tensors
and lists of batches), weights, config and errors."""

import numpy as np
import pytest
import torch

from kshim.layers import Normalization
from kshim.testing import assert_keras_parity


def _data(shape=(64, 3, 4), seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * [1.0, 5.0, 0.1, 2.0] + [0.0, 3.0, -2.0, 10.0]).astype(
        "float32"
    )


FIXED = [
    ({"mean": 2.0, "variance": 4.0}, (2, 3, 4)),
    ({"mean": [1.0, 2.0, 3.0, 4.0], "variance": [1.0, 4.0, 9.0, 16.0]}, (2, 3, 4)),
    ({"axis": (1, 2), "mean": [[1.0] * 4] * 3, "variance": [[2.0] * 4] * 3}, (2, 3, 4)),
    ({"mean": 1.0, "variance": 4.0, "invert": True}, (2, 3, 4)),
]


@pytest.mark.parametrize("kwargs, shape", FIXED)
def test_layer_fixed_statistics(layer_test, kwargs, shape):
    layer_test(
        Normalization,
        kwargs,
        input_shape=shape,
        expected_output_shape=shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=True,
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs", [{}, {"axis": None}, {"axis": (1, 2)}])
def test_layer_adaptable(layer_test, kwargs):
    layer_test(
        Normalization,
        kwargs,
        input_shape=(2, 3, 4),
        expected_output_shape=(2, 3, 4),
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=3,
        expected_weight_names=["mean", "variance", "count"],
        run_training_check=False,
    )


@pytest.mark.parametrize("kwargs, shape", FIXED)
def test_keras_parity_fixed(keras, kwargs, shape):
    x = _data(shape)
    ours, theirs = Normalization(**kwargs, name="n"), keras.layers.Normalization(**kwargs, name="n")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


class _NoTensorFlow:
    """Stands in for Keras' lazily imported ``tensorflow`` module, which Keras'
    ``Normalization.adapt`` touches only for ``isinstance(data, tf.data.Dataset)`` checks
    (and which is not installed here): its own iterable-of-batches code then runs."""

    class data:  # noqa: N801 - mirrors ``tf.data``
        class Dataset:
            pass


@pytest.fixture
def keras_without_tf(keras, monkeypatch):
    import keras.src.layers.preprocessing.normalization as keras_normalization

    monkeypatch.setattr(keras_normalization, "tf", _NoTensorFlow)
    return keras


@pytest.mark.parametrize("axis", [-1, None, (1, 2), 1])
@pytest.mark.parametrize("source", ["array", "tensor", "batches", "tuples"])
@pytest.mark.parametrize("invert", [False, True])
def test_adapt_matches_keras(keras_without_tf, axis, source, invert):
    keras = keras_without_tf
    data = _data()
    if source == "array":
        ours_data, theirs_data = data, data
    elif source == "tensor":
        ours_data, theirs_data = torch.from_numpy(data), keras.ops.convert_to_tensor(data)
    elif source == "batches":  # uneven batches: pooled statistics
        ours_data = theirs_data = [data[:10], data[10:40], data[40:]]
    else:  # (x, y) batches: x is used
        ours_data = theirs_data = [(data[:32], 0), (data[32:], 1)]
    ours = Normalization(axis=axis, invert=invert, name="n")
    theirs = keras.layers.Normalization(axis=axis, invert=invert, name="n")
    ours.adapt(ours_data)
    theirs.adapt(theirs_data)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    x = _data((5, 3, 4), seed=1)
    got = ours(torch.from_numpy(x)).numpy()
    want = keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(x)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert ours.get_config() == theirs.get_config()


def test_adapted_weights_load_into_keras(keras):
    data = _data()
    ours = Normalization()
    ours.adapt(data)
    theirs = keras.layers.Normalization()
    theirs.build((None, 3, 4))
    theirs.set_weights(ours.get_weights())
    x = _data((2, 3, 4), seed=2)
    np.testing.assert_allclose(
        ours(torch.from_numpy(x)).numpy(),
        keras.ops.convert_to_numpy(theirs(keras.ops.convert_to_tensor(x))),
        rtol=1e-6,
    )
    mean = ours.mean
    assert tuple(mean.shape) == (1, 1, 4)
    np.testing.assert_allclose(mean.numpy().ravel(), data.mean(axis=(0, 1)), rtol=1e-5)


def test_adapted_state_moves_with_state_dict():
    ours = Normalization()
    ours.adapt(_data())
    twin = Normalization()
    twin.build((None, 3, 4))
    twin.load_state_dict(ours.state_dict())
    x = torch.from_numpy(_data((2, 3, 4), seed=3))
    torch.testing.assert_close(twin(x), ours(x))
    assert list(ours.state_dict()) == ["adapt_mean", "adapt_variance", "count"]


def test_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="must have the same shape"):
        Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="rank of `mean`"):
        Normalization(mean=[[1.0]], variance=[[1.0]])
    with pytest.raises(ValueError, match=r"in the range \[-ndim, ndim\)"):
        Normalization(axis=3).build((2, 3))
    with pytest.raises(ValueError, match="known shape"):
        Normalization(axis=1).build((2, None))
    layer = Normalization()
    layer.adapt(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.zeros((4, 5), "float32"))
    with pytest.raises(ValueError, match="empty iterable"):
        Normalization().adapt([])
    with pytest.raises(TypeError, match="Unsupported data type"):
        Normalization().adapt(3.0)
    with pytest.raises(ValueError, match="Cannot adapt"):
        Normalization(mean=1.0, variance=1.0).adapt(np.zeros((2, 2)))
