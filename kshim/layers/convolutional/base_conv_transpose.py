"""``BaseConvTranspose``: the shared machinery of the transposed convolution layers."""

from __future__ import annotations

import torch.nn.functional as F

from kshim import activations, constraints, initializers, regularizers
from kshim.layers.convolutional.base_conv import (
    SpatialConv,
    check_positive_int,
    check_stride_dilation,
    standardize_tuple,
)

CONV_TRANSPOSE_FNS = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def keras_transpose_pads(kernel: int, stride: int, padding: str, output_padding):
    """Keras' (TensorFlow's) padding of one axis of a transposed convolution.

    The transposed convolution of an input of length ``n`` is a convolution of the
    stride-dilated input (length ``(n - 1) * stride + 1``) padded with ``(before, after)``
    zeros; ``kernel`` is the effective (dilated) kernel size.

    >>> keras_transpose_pads(3, 2, "same", None), keras_transpose_pads(3, 2, "valid", None)
    ((2, 1), (2, 2))
    """
    if padding == "valid":
        if output_padding is None:
            output_padding = max(kernel, stride) - kernel
        return kernel - 1, kernel - 1 + output_padding
    if output_padding is None:
        total = stride + kernel - 2  # output length n * stride
    else:
        total = kernel + kernel % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, kernel - 1)
    return before, total - before


def transpose_output_length(length, kernel: int, stride: int, padding: str, output_padding):
    """The output length of a transposed convolution along one axis (Keras' formula)."""
    if length is None:
        return None
    if padding == "valid":
        if output_padding is None:
            output_padding = max(kernel, stride) - kernel
        return (length - 1) * stride + kernel + output_padding
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + kernel % 2 + output_padding


class BaseConvTranspose(SpatialConv):
    """An N-D transposed convolution with Keras 3's ``Conv*DTranspose`` contract.

    The kernel has Keras' layout ``(*kernel_size, filters, input_channels)``. Torch's
    ``conv_transpose`` crops ``padding`` elements from both ends of its full output and adds
    ``output_padding`` at the end; Keras' padding (the extra element of an odd "same"
    padding goes *before*) is not always of that form. The plan that reproduces it is worked
    out once per layer (it does not depend on the input size): torch's own
    ``padding``/``output_padding`` where they suffice, else a crop of the output (a
    view).

    Args:
        rank: Number of spatial axes (1, 2 or 3).
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of ``rank`` ints, the window size.
        strides: Int or tuple of ``rank`` ints. ``strides > 1`` excludes
            ``dilation_rate > 1``.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        output_padding: ``None`` (inferred) or an int or tuple of ``rank`` ints, each
            strictly less than the stride: extra output length at the end of each axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        dilation_rate: Int or tuple of ``rank`` ints.
        activation: Activation name or callable; ``None`` means linear.
        use_bias: Whether to add a bias vector.
        kernel_initializer: Initializer of the kernel (``"glorot_uniform"``).
        bias_initializer: Initializer of the bias (``"zeros"``).
        kernel_regularizer: Regularizer of the kernel.
        bias_regularizer: Regularizer of the bias.
        activity_regularizer: Regularizer of the output.
        kernel_constraint: Constraint of the kernel.
        bias_constraint: Constraint of the bias.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).
    """

    _promote_inputs = True

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._init_spatial(
            rank,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
        )
        self.filters = check_positive_int(filters, "filters")
        if output_padding is None:
            self.output_padding = None
        else:
            self.output_padding = standardize_tuple(
                output_padding, rank, "output_padding", allow_zero=True
            )
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {i}, `output_padding` is {op} but "
                        f"`strides` is {s}. Received: output_padding={self.output_padding}, "
                        f"strides={self.strides}"
                    )
        check_stride_dilation(self.strides, self.dilation_rate)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._conv_t = CONV_TRANSPOSE_FNS[rank]
        self._plan_transpose()

    def _plan_transpose(self) -> None:
        """Torch's padding/output_padding and an output crop, per axis.

        Torch's full output (``padding=0``) is the stride-dilated input convolved with
        ``kernel - 1`` zeros on each side; Keras pads ``(before, after)`` instead, so it
        keeps the window ``[kernel - 1 - before, full - (kernel - 1 - after))``. Torch
        crops ``padding`` from both ends and then adds ``output_padding`` (less than
        ``max(stride, dilation)``) at the end. Keras' ``before`` never exceeds
        ``kernel - 1`` and its ``after`` never exceeds ``kernel - 1`` by ``stride`` or more
        (``output_padding < strides`` is checked in ``__init__``), so an output crop (a
        view) covers every case torch cannot express directly.
        """
        ops = (None,) * self.rank if self.output_padding is None else self.output_padding
        pads, out_pads, crops = [], [], []
        for k, s, d, op in zip(self._keff, self.strides, self.dilation_rate, ops):
            before, after = keras_transpose_pads(k, s, self.padding, op)
            lo, hi = k - 1 - before, k - 1 - after  # to drop from each end (hi < 0: add)
            if 0 <= lo - hi < max(s, d):
                pads.append(lo)
                out_pads.append(lo - hi)
                crops.append((0, 0))
            else:  # e.g. "same", odd kernel, stride 2: Keras drops one more at the end
                p = max(0, min(lo, hi))
                pads.append(p)
                out_pads.append(max(0, -hi))
                crops.append((lo - p, max(0, hi) - p))
        self._t_pad = tuple(pads)
        self._t_out_pad = tuple(out_pads)
        self._crop = None
        if any(a or b for a, b in crops):
            self._crop = (
                slice(None),
                slice(None),
                *(slice(a, -b if b else None) for a, b in crops),
            )

    def build(self, input_shape):
        channels = self._build_spatial(input_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(*self.kernel_size, self.filters, channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = self._bias_weight(self.filters)

    def call(self, inputs):
        x = inputs  # int/bool inputs were promoted by the base class (_promote_inputs)
        if self._to_cf is not None:
            x = x.permute(self._to_cf)
        kernel, bias = self.kernel.permute(self._kperm), self.bias
        if kernel.dtype != x.dtype:  # mixed precision: weights follow the compute dtype
            kernel = kernel.to(x.dtype)
            bias = None if bias is None else bias.to(x.dtype)
        y = self._conv_t(
            x, kernel, bias, self.strides, self._t_pad, self._t_out_pad, 1, self.dilation_rate
        )
        if self._crop is not None:
            y = y[self._crop]
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        ops = (None,) * self.rank if self.output_padding is None else self.output_padding
        spatial = tuple(
            transpose_output_length(n, k, s, self.padding, op)
            for n, k, s, op in zip(self._spatial_of(input_shape), self._keff, self.strides, ops)
        )
        return self._assemble(input_shape[0], spatial, self.filters)

    def get_config(self):
        spatial = self._spatial_config()
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": spatial["kernel_size"],
            "strides": spatial["strides"],
            "padding": spatial["padding"],
            "output_padding": self.output_padding,
            "data_format": spatial["data_format"],
            "dilation_rate": spatial["dilation_rate"],
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
