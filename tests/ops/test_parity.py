"""Numerical and dtype parity of ``kshim.ops`` with ``keras.ops`` (torch backend).

One table of ``Case``s drives one generic test: numpy inputs are made from a fixed seed,
turned into torch tensors, and both libraries run the op on the same tensors.
"""

from __future__ import annotations

import dataclasses
import inspect
import warnings
from collections.abc import Callable

import numpy as np
import pytest
import torch

from kshim import ops

pytestmark = pytest.mark.parity


def f32(*shape, lo=-2.0, hi=2.0):
    return lambda rng: rng.uniform(lo, hi, shape).astype(np.float32)


def pos(*shape):
    return f32(*shape, lo=0.1, hi=3.0)


def prob(*shape):
    return f32(*shape, lo=0.05, hi=0.95)


def i32(*shape, lo=-5, hi=6):
    return lambda rng: rng.integers(lo, hi, shape).astype(np.int32)


def bools(*shape):
    return lambda rng: rng.uniform(size=shape) > 0.5


def const(value):
    return lambda rng: value


@dataclasses.dataclass
class Case:
    op: str
    args: tuple
    kwargs: dict = dataclasses.field(default_factory=dict)
    id: str = ""
    rtol: float = 1e-5
    atol: float = 1e-6
    dtype: bool = True  # compare result dtypes too
    ref: Callable | None = None  # a NumPy reference, where Keras' torch backend is wrong

    def __str__(self):
        return f"{self.op}-{self.id}" if self.id else self.op


def C(op, *args, id="", rtol=1e-5, atol=1e-6, dtype=True, ref=None, **kwargs):  # noqa: N802
    return Case(op, args, kwargs, id, rtol, atol, dtype, ref)


def _np_sparsemax(x):
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    cumsum = np.cumsum(z, axis=-1)
    k_max = np.sum(1 + k * z > cumsum, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumsum, k_max - 1, axis=-1) - 1) / k_max
    return np.maximum(x - tau, 0)


CASES = [
    # arithmetic and promotion
    C("add", f32(3, 4), f32(4)),
    C("add", i32(3), f32(3), id="int_float"),
    C("add", i32(3), const(1.5), id="int_pyfloat"),
    C("add", lambda r: r.integers(-5, 5, 3).astype(np.int8), const(3), id="int8_pyint"),
    C("add", bools(3), const(1), id="bool_pyint"),
    C("subtract", f32(2, 3), f32(2, 3)),
    C("subtract", bools(3), i32(3), id="bool_int"),
    C("multiply", f32(2, 3), const(2.5)),
    C("multiply", i32(4), i32(4), id="int"),
    C("divide", f32(3), pos(3)),
    C("divide", i32(3), i32(3, lo=1, hi=4), id="int"),
    C("true_divide", f32(3), pos(3)),
    C("floor_divide", f32(5), pos(5)),
    C("floor_divide", i32(5), i32(5, lo=1, hi=4), id="int"),
    C("power", pos(4), f32(4)),
    C("power", f32(4), const(2), id="pyint"),
    C("negative", f32(3)),
    C("mod", f32(6), pos(6)),
    C("mod", i32(6), i32(6, lo=1, hi=4), id="int"),
    C("fmod", f32(6), pos(6)),
    C("maximum", f32(3, 2), f32(2)),
    C("maximum", i32(4), const(0.5), id="int_pyfloat"),
    C("minimum", f32(3, 2), const(0.0)),
    C("abs", f32(5)),
    C("absolute", i32(5), id="int"),
    C("square", f32(4)),
    C("square", bools(4), id="bool"),
    C("sqrt", pos(4)),
    C("sqrt", i32(4, lo=0, hi=9), id="int"),
    C("reciprocal", pos(4)),
    C("sign", f32(6)),
    C("exp", f32(4)),
    C("exp", i32(4), id="int"),
    C("exp2", f32(4)),
    C("expm1", f32(4)),
    C("log", pos(4)),
    C("log1p", pos(4)),
    C("log2", pos(4)),
    C("log10", pos(4)),
    C("logaddexp", f32(4), f32(4)),
    C("sin", f32(4)),
    C("cos", f32(4)),
    C("tan", f32(4, lo=-1, hi=1)),
    C("arcsin", f32(4, lo=-0.9, hi=0.9)),
    C("arccos", f32(4, lo=-0.9, hi=0.9)),
    C("arctan", f32(4)),
    C("arctan2", f32(4), f32(4)),
    C("sinh", f32(4)),
    C("cosh", f32(4)),
    C("tanh", f32(4)),
    C("arcsinh", f32(4)),
    C("arccosh", pos(4), id="", rtol=1e-4),
    C("arctanh", f32(4, lo=-0.9, hi=0.9)),
    C("floor", f32(5)),
    C("floor", i32(5), id="int"),
    C("ceil", f32(5)),
    C("trunc", f32(5)),
    C("round", f32(5)),
    C("round", f32(5), decimals=1, id="decimals"),
    C("clip", f32(6), const(-0.5), const(0.5)),
    C("clip", i32(6), const(-1), const(2), id="int"),
    C("clip", bools(6), const(0), const(1), id="bool"),
    C("nan_to_num", lambda r: np.array([np.nan, np.inf, -np.inf, 1.0], np.float32)),
    C("divide_no_nan", f32(4), lambda r: np.array([0.0, 1.0, 0.0, 2.0], np.float32)),
    # comparison and logic
    C("equal", i32(6, lo=0, hi=2), i32(6, lo=0, hi=2)),
    C("not_equal", i32(6, lo=0, hi=2), const(1)),
    C("greater", f32(6), f32(6)),
    C("greater_equal", f32(6), const(0.0)),
    C("less", f32(6), f32(6)),
    C("less_equal", f32(6), const(0.0)),
    C("logical_and", bools(6), bools(6)),
    C("logical_or", bools(6), bools(6)),
    C("logical_xor", bools(6), bools(6)),
    C("logical_not", bools(6)),
    C("isnan", lambda r: np.array([np.nan, 1.0, np.inf], np.float32)),
    C("isinf", lambda r: np.array([np.nan, 1.0, -np.inf], np.float32)),
    C("isfinite", lambda r: np.array([np.nan, 1.0, np.inf], np.float32)),
    C("isclose", f32(4), f32(4)),
    C("where", bools(3, 4), f32(3, 4), f32(4)),
    C("where", bools(4), const(1), const(0), id="pyints"),
    C("where", bools(4), i32(4), const(0.5), id="int_pyfloat"),
    C("where", bools(2, 3), id="indices"),
    C(
        "select",
        lambda r: [r.uniform(size=4) > 0.5, r.uniform(size=4) > 0.5],
        lambda r: [np.ones(4, np.float32), np.full(4, 2.0, np.float32)],
    ),
    # reductions
    C("sum", f32(3, 4), axis=1),
    C("sum", f32(3, 4, 2), axis=(0, 2), keepdims=True, id="axes"),
    C("sum", lambda r: r.integers(0, 5, (3, 4)).astype(np.int8), id="int8"),
    C("sum", bools(3, 4), axis=0, id="bool"),
    C("sum", i32(3, 4), id="int32"),
    C("mean", f32(3, 4)),
    C("mean", f32(3, 4), axis=0, keepdims=True, id="axis"),
    C("mean", i32(3, 4), axis=1, id="int"),
    C("var", f32(5, 4), axis=0),
    C("var", i32(5, 4), id="int"),
    C("std", f32(5, 4), axis=-1, keepdims=True),
    C("max", f32(3, 4), axis=1),
    C("max", f32(3, 4), id="all"),
    C("max", f32(3, 4), axis=0, initial=0.5, id="initial"),
    C("min", f32(3, 4), axis=(0, 1)),
    C("amax", f32(3, 4), axis=1, keepdims=True),
    C("amin", i32(3, 4), axis=0),
    C("prod", f32(3, 4, lo=0.5, hi=1.5), axis=1),
    C("prod", i32(3, 4, lo=1, hi=3), axis=(0, 1), id="int"),
    C("prod", f32(3, 4, lo=0.5, hi=1.5), id="all"),
    C("all", bools(3, 4), axis=1),
    C("any", bools(3, 4)),
    C("count_nonzero", i32(3, 4, lo=0, hi=2), axis=0),
    C("argmax", f32(3, 4), axis=1),
    C("argmax", f32(3, 4), id="flat"),
    C("argmin", f32(3, 4), axis=0, keepdims=True),
    C("cumsum", f32(3, 4), axis=1),
    C("cumsum", i32(3, 4), id="int_flat"),
    C("cumsum", bools(5), id="bool"),
    C("cumprod", f32(3, 4, lo=0.5, hi=1.5), axis=0),
    C("average", f32(3, 4), axis=1, weights=pos(4)),
    C("median", f32(3, 4), axis=1),
    C("quantile", f32(3, 5), const(0.3), axis=1),
    C("trace", f32(4, 4)),
    C("logsumexp", f32(3, 4), axis=1),
    C("logsumexp", f32(3, 4), id="all"),
    C("norm", f32(3, 4)),
    C("norm", f32(3, 4), axis=1, ord=1, id="l1"),
    C("norm", f32(3, 4), ord="fro", id="fro"),
    C("top_k", f32(3, 6), const(2), dtype=False),
    C("in_top_k", lambda r: np.array([0, 3, 1], np.int32), f32(3, 5), const(2)),
    C("erf", f32(5)),
    C("erfinv", f32(5, lo=-0.9, hi=0.9)),
    C("rsqrt", pos(5)),
    C("segment_sum", f32(6, 2), lambda r: np.array([0, 0, 1, 2, 2, 2], np.int32), num_segments=3),
    C("segment_min", f32(6, 2), lambda r: np.array([0, 0, 1, 2, 2, 2], np.int32), num_segments=3),
    C("segment_prod", f32(6, 2), lambda r: np.array([0, 0, 1, 2, 2, 2], np.int32), num_segments=3),
    C("erfc", f32(5)),
    C(
        "logdet",
        lambda r: (lambda a: a @ a.T + 3 * np.eye(3, dtype=np.float32))(
            r.normal(size=(3, 3)).astype(np.float32)
        ),
        rtol=1e-4,
    ),
    C("percentile", f32(3, 5), const(30.0), axis=1),
    C("diff", f32(3, 5)),
    C("diff", f32(3, 5), n=2, axis=0, id="n2"),
    C("isin", i32(6), lambda r: np.array([0, 1, 2], np.int32)),
    C("cbrt", f32(5)),
    C("fliplr", f32(2, 3)),
    C("flipud", f32(2, 3)),
    C("get_item", f32(3, 4), const((slice(1, 3), 2))),
    C("segment_max", f32(6, 2), lambda r: np.array([0, 0, 1, 2, 2, 2], np.int32), num_segments=3),
    # creation
    C("zeros", const((2, 3))),
    C("ones", const((2,)), dtype="int32", id="int"),
    C("full", const((2, 3)), const(7)),
    C("full", const((2, 3)), f32(3), id="array"),
    C("zeros_like", i32(3)),
    C("ones_like", f32(3), dtype="float16", id="dtype"),
    C("full_like", f32(2, 2), const(3)),
    C("arange", const(5)),
    C("arange", const(1.0), const(3.0), const(0.5), id="float"),
    C("arange", const(2), const(11), const(3), dtype="float32", id="dtype"),
    C("linspace", const(0.0), const(1.0), num=7),
    C("linspace", const(1), const(5), num=4, endpoint=False, id="no_endpoint"),
    C("eye", const(3)),
    C("eye", const(3), const(4), k=1, id="k"),
    C("eye", const(4), const(3), k=-2, dtype="int32", id="negk"),
    C("identity", const(3)),
    C("tri", const(3), k=0),
    C("tril", f32(4, 4)),
    C("triu", f32(2, 4, 4), k=1),
    C("diag", f32(4)),
    C("diag", f32(4, 4), k=-1, id="matrix"),
    C("diagonal", f32(2, 3, 3), offset=1, axis1=1, axis2=2),
    C("meshgrid", f32(3), f32(4)),
    C("meshgrid", f32(3), f32(4), indexing="ij", id="ij"),
    # shape and layout
    C("reshape", f32(2, 6), const((3, -1))),
    C("reshape", f32(2, 6), const(-1), id="flat"),
    C("ravel", f32(2, 3)),
    C("transpose", f32(2, 3, 4)),
    C("transpose", f32(2, 3, 4), axes=(1, 0, 2), id="axes"),
    C("moveaxis", f32(2, 3, 4), const(0), const(-1)),
    C("moveaxis", f32(2, 3, 4), const((0, 1)), const((2, 0)), id="multi"),
    C("swapaxes", f32(2, 3, 4), const(0), const(2)),
    C("expand_dims", f32(2, 3), const(1)),
    C("expand_dims", f32(2, 3), const((0, -1)), id="multi"),
    C("squeeze", f32(1, 3, 1)),
    C("squeeze", f32(1, 3, 1), axis=2, id="axis"),
    C("broadcast_to", f32(3), const((2, 3))),
    C("tile", f32(2, 3), const((2, 1))),
    C("tile", f32(3), const(2), id="int"),
    C("repeat", f32(2, 3), const(2), axis=1),
    C("repeat", f32(2, 3), const(2), id="flat"),
    C("repeat", f32(3), lambda r: np.array([1, 0, 2]), axis=0, id="array"),
    C("flip", f32(2, 3)),
    C("flip", f32(2, 3), axis=1, id="axis"),
    C("roll", f32(2, 3), const(1)),
    C("roll", f32(2, 3), const(-1), axis=1, id="axis"),
    C("concatenate", lambda r: [r.normal(size=(2, 3)).astype(np.float32)] * 2, axis=1),
    C("stack", lambda r: [r.normal(size=(2, 3)).astype(np.float32)] * 3, axis=1),
    C("vstack", lambda r: [np.ones(3, np.float32), np.zeros(3, np.float32)]),
    C("hstack", lambda r: [np.ones((2, 1), np.float32), np.zeros((2, 2), np.float32)]),
    C("split", f32(6, 2), const(3)),
    C("split", f32(2, 7), const([2, 5]), axis=1, id="indices"),
    C("array_split", f32(7), const(3)),
    C("pad", f32(2, 3), const(((1, 0), (2, 1)))),
    # Keras' torch backend pads only the last axis for an int pad_width; NumPy pads all.
    C("pad", f32(2, 3), const(1), constant_values=5.0, id="value", ref=np.pad),
    C("pad", f32(3, 4), const(((1, 2), (2, 1))), mode="symmetric", id="symmetric", ref=np.pad),
    C("pad", f32(3, 4), const(((1, 2), (0, 1))), mode="edge", id="edge", ref=np.pad),
    C("pad", f32(3, 4), const(((1, 2), (2, 1))), mode="wrap", id="wrap", ref=np.pad),
    C("pad", f32(3, 4), const(((1, 2), (2, 1))), mode="reflect", id="reflect"),
    C("take", f32(4, 3), lambda r: np.array([[0, 3], [-1, 1]], np.int32), axis=0),
    C("take", f32(4, 3), lambda r: np.array([2, 0], np.int32), axis=1, id="axis1"),
    # Keras' torch backend wraps negative flat indices by x.shape[0] instead of x.size.
    C("take", f32(4, 3), lambda r: np.array([5, -2], np.int32), id="flat", ref=np.take),
    C("take_along_axis", f32(3, 4), lambda r: r.integers(0, 4, (3, 2)), axis=1),
    C("sort", f32(3, 4)),
    C("sort", f32(3, 4), axis=0, id="axis0"),
    C("argsort", f32(3, 4), axis=1),
    C("searchsorted", lambda r: np.sort(r.normal(size=6)).astype(np.float32), f32(4)),
    C("digitize", f32(6), lambda r: np.array([-1.0, 0.0, 1.0], np.float32)),
    C("unique", lambda r: np.array([3, 1, 3, 2, 1], np.int32)),
    C(
        "unique",
        lambda r: np.array([3, 1, 3, 2, 1], np.int32),
        return_inverse=True,
        return_counts=True,
        id="inverse_counts",
        dtype=False,
    ),
    C("count_nonzero", f32(3, 4), id="flat"),
    # linear algebra
    C("matmul", f32(2, 3, 4), f32(4, 5)),
    C("matmul", i32(3, 4), i32(4, 2), id="int"),
    C(
        "matmul",
        lambda r: r.integers(-5, 5, (3, 4)).astype(np.int8),
        lambda r: r.integers(-5, 5, (4, 2)).astype(np.int8),
        id="int8",
    ),
    C("matmul", f32(4), f32(4, 3), id="vec"),
    C("dot", f32(3, 4), f32(4, 5)),
    C("dot", f32(4), f32(4), id="vec"),
    C("dot", f32(3), const(2.0), id="scalar"),
    C("tensordot", f32(2, 3, 4), f32(3, 4, 5)),
    C("tensordot", f32(2, 3), f32(3, 2), axes=(1, 0), id="pair"),
    C("tensordot", f32(2, 3, 4), f32(4, 3), axes=([1, 2], [1, 0]), id="lists"),
    C("einsum", const("bij,bjk->bik"), f32(2, 3, 4), f32(2, 4, 5)),
    C("einsum", const("ij->j"), i32(3, 4), id="int"),
    C("outer", f32(3), f32(4)),
    C("inner", f32(2, 3), f32(4, 3)),
    C("vdot", f32(6), f32(6)),
    C("vdot", f32(2, 3), f32(2, 3), id="2d", ref=np.vdot),  # Keras' torch backend: 1-D only
    C("dot", f32(2, 3, 4), f32(5, 4, 2), id="nd", ref=np.dot),  # Keras' torch uses matmul
    C("cross", f32(4, 3), f32(4, 3)),
    # nn: activations
    C("relu", f32(8)),
    C("relu6", f32(8, lo=-3, hi=9)),
    C("sigmoid", f32(8)),
    C("softplus", f32(8)),
    C("softsign", f32(8)),
    C("silu", f32(8)),
    C("swish", f32(8)),
    C("gelu", f32(8)),
    C("gelu", f32(8), approximate=False, id="exact"),
    C("elu", f32(8), alpha=0.5),
    C("selu", f32(8)),
    C("leaky_relu", f32(8)),
    C("leaky_relu", f32(8), negative_slope=0.1, id="slope"),
    C("hard_sigmoid", f32(8, lo=-4, hi=4)),
    C("hard_silu", f32(8, lo=-4, hi=4)),
    C("hard_swish", f32(8, lo=-4, hi=4)),
    C("log_sigmoid", f32(8)),
    C("celu", f32(8)),
    C("glu", f32(3, 8)),
    C("hard_tanh", f32(8)),
    C("hard_shrink", f32(8)),
    C("soft_shrink", f32(8)),
    C("tanh_shrink", f32(8)),
    C("threshold", f32(8), const(0.5), const(-1.0)),
    C("squareplus", f32(8)),
    C("sparse_plus", f32(8)),
    C("sparse_sigmoid", f32(8)),
    C("sparsemax", f32(3, 5), ref=_np_sparsemax),  # Keras' torch backend mis-sums tau
    C("softmax", f32(3, 5)),
    C("softmax", f32(3, 4, 5), axis=1, id="axis1"),
    C("softmax", f32(3, 4, 5), axis=(1, 2), id="tuple"),
    C("softmax", f32(3, 4), axis=None, id="none"),
    C("log_softmax", f32(3, 5)),
    C("log_softmax", f32(3, 5), axis=0, id="axis0"),
    # nn: normalization
    C("moments", f32(4, 5, 3), const((0, 1))),
    C("moments", f32(4, 5, 3), const([0]), keepdims=True, id="keepdims"),
    C("batch_normalization", f32(4, 3), f32(3), pos(3), axis=-1, offset=f32(3), scale=f32(3)),
    C("batch_normalization", f32(2, 3, 4), f32(3), pos(3), axis=1, epsilon=0.1, id="axis1"),
    C("normalize", f32(3, 4)),
    C("normalize", f32(3, 4), axis=0, order=1, id="l1"),
    C("layer_normalization", f32(3, 4), gamma=f32(4), beta=f32(4)),
    C("layer_normalization", f32(2, 3, 4), axis=(1, 2), id="axes"),
    C("rms_normalization", f32(3, 4), scale=f32(4)),
    # nn: convolution and pooling
    C("conv", f32(2, 7, 3), f32(3, 3, 4)),
    C("conv", f32(2, 6, 6, 3), f32(3, 3, 3, 4), strides=2, padding="same", id="2d_same"),
    C("conv", f32(1, 7, 7, 2), f32(2, 2, 2, 3), padding="same", id="2d_even"),
    C("conv", f32(1, 8, 8, 4), f32(3, 3, 2, 6), dilation_rate=2, id="grouped_dilated"),
    C("conv", f32(1, 2, 6, 6), f32(3, 3, 2, 3), data_format="channels_first", id="cf"),
    C("conv", f32(1, 4, 5, 4, 2), f32(2, 2, 2, 2, 3), padding="same", id="3d"),
    C("depthwise_conv", f32(2, 6, 6, 3), f32(3, 3, 3, 2), padding="same"),
    C("separable_conv", f32(2, 6, 6, 3), f32(3, 3, 3, 2), f32(1, 1, 6, 4)),
    C("conv_transpose", f32(1, 4, 4, 3), f32(3, 3, 2, 3), strides=2, padding="same"),
    C("conv_transpose", f32(1, 5, 3), f32(4, 2, 3), strides=3, id="1d_valid"),
    C(
        "conv_transpose",
        f32(1, 4, 4, 3),
        f32(3, 3, 2, 3),
        strides=2,
        output_padding=1,
        id="output_padding",
    ),
    C("max_pool", f32(2, 6, 6, 3), const(2)),
    C("max_pool", f32(2, 7, 7, 3), const(3), strides=2, padding="same", id="same"),
    C(
        "max_pool",
        f32(2, 3, 8),
        const(2),
        strides=1,
        padding="same",
        data_format="channels_first",
        id="1d_cf",
    ),
    C("average_pool", f32(2, 6, 6, 3), const(2)),
    C("average_pool", f32(2, 7, 7, 3), const(3), strides=2, padding="same", id="same"),
    # nn: encodings and losses
    C("one_hot", lambda r: np.array([0, 2, -1, 1], np.int32), const(3)),
    C("one_hot", lambda r: np.array([[0, 2], [1, 1]], np.int32), const(3), axis=0, id="axis0"),
    C("multi_hot", lambda r: np.array([[0, 2], [1, 1]], np.int32), const(4)),
    C("binary_crossentropy", prob(4, 3), prob(4, 3)),
    C("binary_crossentropy", prob(4, 3), f32(4, 3), from_logits=True, id="logits"),
    C("categorical_crossentropy", prob(4, 3), prob(4, 3)),
    C("categorical_crossentropy", prob(4, 3), f32(4, 3), from_logits=True, id="logits"),
    C("sparse_categorical_crossentropy", lambda r: np.array([0, 2, 1, 1]), prob(4, 3)),
    C(
        "sparse_categorical_crossentropy",
        lambda r: np.array([[0, 2], [1, 1]]),
        f32(2, 2, 3),
        from_logits=True,
        id="logits",
    ),
    C("dot_product_attention", f32(2, 4, 2, 8), f32(2, 5, 2, 8), f32(2, 5, 2, 8)),
    C(
        "dot_product_attention",
        f32(2, 4, 4, 8),
        f32(2, 5, 2, 8),
        f32(2, 5, 2, 8),
        mask=bools(2, 1, 4, 5),
        id="gqa_mask",
    ),
    C(
        "dot_product_attention",
        f32(2, 4, 2, 8),
        f32(2, 4, 2, 8),
        f32(2, 4, 2, 8),
        is_causal=True,
        scale=0.3,
        id="causal",
    ),
    C(
        "dot_product_attention",
        f32(1, 3, 2, 4),
        f32(1, 3, 2, 4),
        f32(1, 3, 2, 4),
        bias=f32(1, 2, 3, 3),
        id="bias",
    ),
    C("psnr", prob(4, 4), prob(4, 4), const(1.0)),
    # core
    C("cast", f32(4), const("int32")),
    C("cast", i32(4), const("float16"), id="half"),
    C("saturate_cast", f32(4, lo=-300, hi=300), const("uint8")),
    C("slice", f32(4, 5), const((1, 2)), const((2, 3))),
    C("slice_update", f32(4, 5), const((1, 2)), f32(2, 3)),
    C("scatter", lambda r: np.array([[0, 1], [2, 0], [0, 1]]), f32(3), const((3, 2))),
    C("scatter_update", f32(4, 2), lambda r: np.array([[1], [3]]), f32(2, 2)),
    C("scatter_update", f32(4, 3), lambda r: np.array([[1, 0], [3, 2]]), f32(2), id="elems"),
    C(
        "scatter_update",
        f32(4, 3),
        lambda r: np.array([[1, 0], [1, 0]]),
        f32(2),
        reduction="add",
        id="add",
    ),
    C(
        "scatter_update",
        f32(4, 3),
        lambda r: np.array([[1, 0], [2, 2]]),
        f32(2),
        reduction="max",
        id="max",
    ),
    C("unstack", f32(3, 2), axis=1),
    C("stop_gradient", f32(3)),
    C("convert_to_tensor", i32(3), dtype="float32"),
    C("convert_to_tensor", const([1, 2, 3]), id="pylist"),
    C("convert_to_tensor", const([1.0, 2]), id="pyfloats"),
    C("convert_to_tensor", const(3), id="pyint"),
    C("convert_to_tensor", const(True), id="pybool"),
]


def _make(arg, rng):
    value = arg(rng)
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [torch.from_numpy(v) for v in value]
    return value


def _flatten(out) -> list:
    if isinstance(out, (list, tuple)):
        return [leaf for item in out for leaf in _flatten(item)]
    return [out]


def _to_numpy(x):
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_keras(case, keras):
    rng = np.random.default_rng(abs(hash(str(case))) % 2**32)
    args = [_make(a, rng) for a in case.args]
    kwargs = {k: (_make(v, rng) if callable(v) else v) for k, v in case.kwargs.items()}
    if case.ref is not None:
        np_args = [a.numpy() if isinstance(a, torch.Tensor) else a for a in args]
        expected = case.ref(*np_args, **kwargs)
        if isinstance(expected, np.ndarray):
            expected = torch.from_numpy(expected)
    else:
        with warnings.catch_warnings():  # Keras' own warnings (torch's `x.T`) are not ours
            warnings.simplefilter("ignore")
            expected = getattr(keras.ops, case.op)(*args, **kwargs)
    got = getattr(ops, case.op)(*args, **kwargs)
    expected, got = _flatten(expected), _flatten(got)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert isinstance(g, torch.Tensor), type(g)
        g_np, e_np = _to_numpy(g), _to_numpy(e)
        assert g_np.shape == e_np.shape
        if case.dtype and case.ref is None:
            assert str(g.dtype) == str(e.dtype), (g.dtype, e.dtype)
        np.testing.assert_allclose(
            g_np.astype(np.float64), e_np.astype(np.float64), rtol=case.rtol, atol=case.atol
        )


# Names whose signature is Keras' but whose body is not compared above.
_UNCOMPARED = {
    "shape",
    "dtype",
    "is_tensor",
    "convert_to_numpy",
    "cond",
    "while_loop",
    "fori_loop",
    "scan",
    "map",
    "switch",
    "vectorized_map",
    "result_type",
    "empty",
    "empty_like",
    "array",
    "copy",
    "size",
    "ndim",
    "nonzero",
    "append",
    "dstack",
    "allclose",
    "select",
    "core",
    "numpy",
    "math",
    "nn",
}


def test_every_op_has_a_parity_case_or_a_reason():
    compared = {case.op for case in CASES}
    public = {n for n in dir(ops) if not n.startswith("_")}
    assert public - compared - _UNCOMPARED == set()


@pytest.mark.parametrize(
    "name",
    sorted(
        n
        for n in dir(ops)
        if not n.startswith("_") and n not in {"core", "numpy", "math", "nn", "result_type"}
    ),
)
def test_signature_matches_keras(name, keras):
    ours = inspect.signature(getattr(ops, name))
    theirs = inspect.signature(getattr(keras.ops, name))
    ours_params = [(p.name, p.default) for p in ours.parameters.values() if p.kind != p.VAR_KEYWORD]
    theirs_params = [
        (p.name, p.default) for p in theirs.parameters.values() if p.kind != p.VAR_KEYWORD
    ]
    assert ours_params == theirs_params
