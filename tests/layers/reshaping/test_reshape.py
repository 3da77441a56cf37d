"""``Reshape``: the layer gate and Keras parity over a small table."""

import pytest
import torch

from kshim.layers import Reshape

CASES = [
    ({"target_shape": (3, 4)}, (2, 12), (2, 3, 4)),
    ({"target_shape": (-1, 2)}, (2, 3, 4), (2, 6, 2)),
    ({"target_shape": (2, -1, 3)}, (2, 6, 2), (2, 2, 2, 3)),
    ({"target_shape": [12]}, (2, 3, 4), (2, 12)),
]
IDS = [str(i) for i in range(len(CASES))]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(Reshape, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, Reshape, kwargs, x)
    assert out.shape == expected


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"target_shape": (-2, 3)}, "target_shape"),
        ({"target_shape": (-1, -1)}, "target_shape"),
        ({"target_shape": 5}, "target_shape"),
        ({"target_shape": "ab"}, "target_shape"),
        ({"target_shape": (2.5,)}, "target_shape"),
    ],
)
def test_invalid_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"`{argument}`"):
        Reshape(**kwargs)


@pytest.mark.parametrize("target", [(5,), (-1, 5)])
def test_size_mismatch_raises_keras_error(keras, target):
    x = torch.ones(2, 12)
    with pytest.raises(ValueError) as ours:
        Reshape(target)(x)
    with pytest.raises(ValueError) as theirs:
        keras.layers.Reshape(target)(x)
    # Keras wraps its message in a traceback note ("Exception encountered when calling").
    assert str(ours.value) in str(theirs.value)


def test_never_mixes_samples():
    # 2 * 12 elements would fit (2, 8) overall: each sample must still hold 12.
    with pytest.raises(ValueError, match="total size"):
        Reshape((8,))(torch.ones(3, 8).reshape(2, 12))


def test_empty_batch_infers_the_unknown_axis():
    assert Reshape((-1, 2))(torch.ones(0, 3, 4)).shape == (0, 6, 2)


def test_compute_output_shape():
    assert Reshape((-1, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    assert Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)


def test_output_is_a_view():
    x = torch.randn(2, 12)
    assert Reshape((3, 4))(x).data_ptr() == x.data_ptr()
