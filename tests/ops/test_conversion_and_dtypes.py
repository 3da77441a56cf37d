"""Conversion of inputs and dtype promotion in ``kshim.ops``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from kshim import ops


def test_tensors_pass_through_without_copy():
    t = torch.ones(3)
    assert ops.convert_to_tensor(t) is t
    assert ops.convert_to_tensor(t, dtype="float32") is t
    assert ops.cast(t, "float32") is t
    p = torch.nn.Parameter(torch.ones(2))
    assert ops.convert_to_tensor(p) is p


def test_float64_numpy_becomes_floatx_unless_asked():
    assert ops.convert_to_tensor(np.zeros(2)).dtype == torch.float32
    assert ops.convert_to_tensor(np.zeros(2), dtype="float64").dtype == torch.float64
    assert ops.convert_to_tensor(np.zeros(2, np.float16)).dtype == torch.float16
    assert ops.convert_to_tensor(np.zeros(2, np.int64)).dtype == torch.int64
    assert ops.convert_to_tensor(np.float64(1.5)).dtype == torch.float32
    assert ops.convert_to_tensor(np.uint32(7)).dtype == torch.int64


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (1, torch.int32),
        (2**40, torch.int64),
        (1.5, torch.float32),
        (True, torch.bool),
        ([1, 2], torch.int32),
        ([1, 2**40], torch.int64),
        ([1.0, 2], torch.float32),
        ([[True], [False]], torch.bool),
        ([], torch.float32),
    ],
)
def test_python_values_get_keras_dtypes(value, dtype):
    assert ops.convert_to_tensor(value).dtype == dtype


def test_list_of_tensors_is_stacked():
    out = ops.convert_to_tensor([torch.ones(2), torch.zeros(2)], dtype="int32")
    assert out.dtype == torch.int32
    assert out.tolist() == [[1, 1], [0, 0]]


def test_read_only_numpy_converts_without_warning():
    arr = np.broadcast_to(np.arange(3.0, dtype=np.float32), (2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ops.convert_to_tensor(arr).shape == (2, 3)


def test_conversion_errors():
    with pytest.raises(ValueError, match="sparse"):
        ops.convert_to_tensor([1.0], sparse=True)
    with pytest.raises(ValueError, match="ragged"):
        ops.convert_to_tensor([1.0], ragged=True)


def test_new_tensors_follow_the_default_device():
    with torch.device("meta"):
        assert ops.convert_to_tensor([1.0, 2.0]).device.type == "meta"
        assert ops.zeros((2, 3)).device.type == "meta"
        assert ops.arange(4).device.type == "meta"
        assert ops.eye(3, k=1).device.type == "meta"


def test_operands_follow_the_tensor_device():
    x = torch.ones(2, device="meta")
    assert ops.add(x, np.ones(2, np.float32)).device.type == "meta"
    assert ops.maximum(x, 0.0).device.type == "meta"
    assert ops.where(x > 0, x, [1.0, 2.0]).device.type == "meta"


def test_convert_to_numpy():
    assert ops.convert_to_numpy(torch.ones(2, requires_grad=True)).tolist() == [1.0, 1.0]
    bf = ops.convert_to_numpy(torch.ones(2, dtype=torch.bfloat16))
    assert bf.dtype.name == "bfloat16"
    both = ops.convert_to_numpy([torch.zeros(2), torch.ones(2)])
    assert both.shape == (2, 2)


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda: ops.add(torch.ones(2, dtype=torch.int32), torch.ones(2)), "float32"),
        (lambda: ops.add(torch.ones(2, dtype=torch.int8), 1), "int8"),
        (lambda: ops.add(torch.ones(2, dtype=torch.int16), 1.5), "float32"),
        (lambda: ops.add(torch.ones(2, dtype=torch.bool), 1), "int32"),
        (lambda: ops.multiply(torch.ones(2, dtype=torch.float16), 2.0), "float16"),
        (lambda: ops.add(torch.ones(2, dtype=torch.float16), torch.ones(2)), "float32"),
        (lambda: ops.add(1, 2), "int32"),
        (lambda: ops.add(1.0, 2), "float32"),
        (lambda: ops.divide(torch.ones(2, dtype=torch.int32), 2), "float32"),
        (lambda: ops.mean(torch.ones(2, dtype=torch.int32)), "float32"),
        (lambda: ops.mean(torch.ones(2, dtype=torch.float16)), "float16"),
        (lambda: ops.sum(torch.ones(2, dtype=torch.bool)), "int32"),
        (lambda: ops.sum(torch.ones(2, dtype=torch.int64)), "int64"),
        (lambda: ops.argmax(torch.ones(2)), "int32"),
        (
            lambda: ops.matmul(
                torch.ones(2, 2, dtype=torch.int8), torch.ones(2, 2, dtype=torch.int8)
            ),
            "int32",
        ),
        (lambda: ops.matmul(torch.ones(2, 2, dtype=torch.int32), torch.ones(2, 2)), "float32"),
        (lambda: ops.where(torch.tensor([True]), 1, 0), "int32"),
        (lambda: ops.where(torch.tensor([True]), 1.0, 0), "float32"),
        (lambda: ops.arange(3), "int32"),
        (lambda: ops.arange(0.0, 1.0, 0.5), "float32"),
        (lambda: ops.full((2,), 1), "float32"),
        (lambda: ops.sqrt(torch.ones(2, dtype=torch.int64)), "float32"),
        (lambda: ops.exp(torch.ones(2, dtype=torch.int32)), "float32"),
        (lambda: ops.floor(torch.ones(2, dtype=torch.int32)), "float32"),
        (lambda: ops.square(torch.ones(2, dtype=torch.bool)), "int32"),
        (lambda: ops.clip(torch.ones(2, dtype=torch.bool), 0, 1), "int32"),
        (lambda: ops.one_hot(torch.tensor([1]), 3), "float32"),
        (lambda: ops.maximum(torch.ones(2, dtype=torch.int32), 0.5), "float32"),
    ],
)
def test_dtype_promotion(fn, expected):
    assert ops.dtype(fn()) == expected


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: ops.add(t, t),
        lambda t: ops.mean(t),
        lambda t: ops.matmul(t, t),
        lambda t: ops.floor(t),
        lambda t: ops.var(t),
        lambda t: ops.maximum(t, 1.0),
    ],
)
def test_float64_is_kept(fn):
    # Keras narrows float64 to float32 in several ops; torch code (gradcheck) needs it.
    assert fn(torch.ones(2, 2, dtype=torch.float64)).dtype == torch.float64


def test_result_type():
    assert ops.result_type("int32", "float16") == "float16"
    assert ops.result_type("uint8", "int8") == "int16"
    assert ops.result_type(bool, int) == "int32"
    assert ops.result_type(int, float) == "float32"
    assert ops.result_type() == "float32"
    assert ops.result_type(torch.bfloat16, "float16") == "float32"


def test_shape_and_dtype_helpers():
    x = torch.zeros(2, 3, dtype=torch.int16)
    assert ops.shape(x) == (2, 3)
    assert ops.shape(np.zeros((4,))) == (4,)
    assert ops.shape([[1, 2]]) == (1, 2)
    assert ops.dtype(x) == "int16"
    assert ops.is_tensor(x) and not ops.is_tensor(np.zeros(2))
    assert ops.size(x) == 6 and ops.ndim(x) == 2
