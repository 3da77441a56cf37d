"""``BaseConv``: the shared machinery of the convolution layers.

Every convolution runs one fused ``F.conv{1,2,3}d`` on a channels-first *view* of its input:
for ``channels_last`` a free ``permute`` (torch's kernels run natively on the resulting
channels-last strides), and the result is permuted back (a view too). Kernels keep Keras'
layout ``(*kernel_size, in / groups, filters)`` and are permuted per call (a view) into
torch's ``(filters, in / groups, *kernel_size)``. Everything that does not depend on the
data (permutation orders, padding tuples, torch functions) is worked out in ``__init__``
or ``build``.
"""

from __future__ import annotations

import numbers

import torch.nn.functional as F

from kshim import activations, constraints, initializers, regularizers
from kshim.backend import config
from kshim.layers.input_spec import InputSpec, check_input
from kshim.layers.layer import Layer

CONV_FNS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


# ---------------------------------------------------------------------- argument checks


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """Returns ``value`` (an int or an iterable of ``n`` ints) as a tuple of ``n`` ints.

    Raises ``ValueError`` in Keras' words, naming the argument.

    >>> standardize_tuple(3, 2, "kernel_size")
    (3, 3)
    >>> standardize_tuple([1, 0], 2, "output_padding", allow_zero=True)
    (1, 0)
    """
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        if isinstance(value, (str, bool)):
            raise ValueError(msg)
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(msg) from None
        if len(values) != n:
            raise ValueError(msg)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"{msg}including element {v} of type {type(v)}")
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{msg}, including values {bad} that do not satisfy `value {req}`")
    return values


def standardize_padding(value, allow_causal: bool = False) -> str:
    """Lower-cases and checks a ``padding`` argument (``"causal"`` only where allowed).

    >>> standardize_padding("SAME")
    'same'
    """
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        # Keras lists the allowed values as a set; keep its order stable here.
        shown = "{" + ", ".join(repr(a) for a in allowed) + "}"
        raise ValueError(
            f"The `padding` argument must be one of {shown}. Received: padding={value}"
        )
    return padding


def check_positive_int(value, name: str) -> int:
    """Returns ``value`` as an int; ``ValueError`` (Keras' wording) unless it is > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"Invalid value for argument `{name}`. Expected a strictly positive value. "
            f"Received {name}={value}."
        )
    return int(value)


def check_stride_dilation(strides: tuple, dilation_rate: tuple) -> None:
    """Keras' ``Conv*D``/``Conv*DTranspose`` check (depthwise layers allow both)."""
    if max(strides) > 1 and max(dilation_rate) > 1:
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
            f"Received: strides={strides} and dilation_rate={dilation_rate}"
        )


# ---------------------------------------------------------------------- shape arithmetic


def same_padding(length: int, kernel: int, stride: int) -> tuple[int, int]:
    """Keras' "same" padding of one axis, ``(before, after)``: the extra one goes after.

    ``kernel`` is the effective (dilated) kernel size.

    >>> same_padding(5, 3, 2), same_padding(6, 3, 2), same_padding(4, 4, 1)
    ((1, 1), (0, 1), (1, 2))
    """
    if stride == 1:
        total = kernel - 1
    else:
        total = max(0, ((length + stride - 1) // stride - 1) * stride + kernel - length)
    return total // 2, total - total // 2


def conv_output_length(length, kernel: int, stride: int, padding: str):
    """The output length of a convolution along one axis (``None`` stays ``None``)."""
    if length is None:
        return None
    if padding == "valid":
        return (length - kernel) // stride + 1
    return (length - 1) // stride + 1  # "same" and "causal"


def kernel_permutation(rank: int) -> tuple:
    """``(*k, a, b)`` -> ``(b, a, *k)``: Keras' kernel layout to torch's."""
    return (rank + 1, rank, *range(rank))


def effective_kernel(kernel_size: tuple, dilation_rate: tuple) -> tuple:
    return tuple((k - 1) * d + 1 for k, d in zip(kernel_size, dilation_rate))


# ---------------------------------------------------------------------- the shared core


class _ShapeOnly:
    """A shape to run the InputSpec check on at build time."""

    dtype = None

    def __init__(self, shape):
        self.shape = shape


class SpatialConv(Layer):
    """What every convolution layer shares: argument handling, layouts and padding.

    Subclasses call ``_init_spatial`` from ``__init__``, ``_build_spatial`` from ``build``
    and, in ``call``, ``_prepare`` (channels-first view, padded) then ``_finish``
    (channels-last view back, activation).
    """

    _promote_inputs = True

    def _init_spatial(
        self,
        rank,
        kernel_size,
        strides,
        padding,
        data_format,
        dilation_rate,
        activation,
        use_bias,
        allow_causal=False,
    ):
        self.rank = rank
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=allow_causal)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self._act = activations.fast_path(self.activation)
        self.use_bias = bool(use_bias)
        # min_ndim is Keras' spec (and its message); max_ndim turns a higher-rank input
        # into the same kind of ValueError instead of a torch error deep in the conv.
        self.input_spec = InputSpec(min_ndim=rank + 2, max_ndim=rank + 2)
        self._setup_layout()

    def _setup_layout(self) -> None:
        rank = self.rank
        if self.data_format == "channels_last":
            self._to_cf = (0, rank + 1, *range(1, rank + 1))
            self._to_cl = (0, *range(2, rank + 2), 1)
        else:
            self._to_cf = self._to_cl = None
        self._kperm = kernel_permutation(rank)
        keff = effective_kernel(self.kernel_size, self.dilation_rate)
        self._keff = keff
        # Padding plan: ``_conv_pad`` goes to the torch conv; ``_fpad`` (if not None) is an
        # F.pad applied first; ``_dyn_same`` means "same" with a stride > 1, whose padding
        # depends on the input length and is worked out from the static shape per call.
        self._fpad = None
        self._dyn_same = False
        self._conv_pad = 0
        if self.padding == "causal":
            self._fpad = (keff[0] - 1, 0)
        elif self.padding == "same":
            if any(s > 1 for s in self.strides):
                self._dyn_same = True
            else:
                pads = [same_padding(0, k, 1) for k in keff]
                self._conv_pad = tuple(lo for lo, _ in pads)
                extra = [hi - lo for lo, hi in pads]
                if any(extra):
                    self._fpad = tuple(v for e in reversed(extra) for v in (0, e))

    def _build_spatial(self, input_shape) -> int:
        """Checks the input shape, sets the channel ``InputSpec``; returns the channels."""
        input_shape = tuple(input_shape)
        # A wrong rank fails here (build runs before the input check): raise the same
        # InputSpec error a later call would.
        check_input(self.input_spec, _ShapeOnly(input_shape), 0, self.name)
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): the channel dimension of the '
                f"inputs should be defined. Received input of shape {input_shape}."
            )
        self.input_spec = InputSpec(
            min_ndim=self.rank + 2, max_ndim=self.rank + 2, axes={axis: channels}
        )
        return int(channels)

    def _spatial_of(self, input_shape) -> tuple:
        return (
            tuple(input_shape[1:-1])
            if self.data_format == "channels_last"
            else tuple(input_shape[2:])
        )

    def _assemble(self, batch, spatial, channels) -> tuple:
        if self.data_format == "channels_last":
            return (batch, *spatial, channels)
        return (batch, channels, *spatial)

    def _conv_output_shape(self, input_shape, channels: int, kernel_shape) -> tuple:
        """Keras' conv output shape; ``ValueError`` when an axis would be empty."""
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                "Kernel shape must have the same length as input, but received kernel of "
                f"shape {tuple(kernel_shape)} and input of shape {input_shape}."
            )
        spatial = tuple(
            conv_output_length(n, k, s, self.padding)
            for n, k, s in zip(self._spatial_of(input_shape), self._keff, self.strides)
        )
        if any(n is not None and n <= 0 for n in spatial):
            raise ValueError(
                "Computed output size would be zero or negative. Received "
                f"`inputs shape={input_shape}`, `kernel shape={tuple(kernel_shape)}`, "
                f"`dilation_rate={self.dilation_rate}`, `strides={self.strides}`, "
                f"`padding={self.padding}`."
            )
        return self._assemble(input_shape[0], spatial, channels)

    def _prepare(self, inputs):
        """Channels-first view of ``inputs``, padded; returns it and the conv padding."""
        x = inputs  # int/bool inputs were promoted by the base class (_promote_inputs)
        if self._to_cf is not None:
            x = x.permute(self._to_cf)
        pad = self._conv_pad
        if self._fpad is not None:
            x = F.pad(x, self._fpad)
        elif self._dyn_same:
            # Static shapes: plain integer arithmetic on x.shape, no data access.
            shape = x.shape
            lows, extra = [], []
            for i, (k, s) in enumerate(zip(self._keff, self.strides)):
                lo, hi = same_padding(shape[i + 2], k, s)
                lows.append(lo)
                extra.append(hi - lo)
            pad = tuple(lows)
            if any(extra):
                x = F.pad(x, tuple(v for e in reversed(extra) for v in (0, e)))
        return x, pad

    def _finish(self, y):
        if self._to_cl is not None:
            y = y.permute(self._to_cl)
        if self._act is not None:
            y = self._act(y)
        return y

    def _bias_weight(self, size: int):
        if not self.use_bias:
            return None
        return self.add_weight(
            name="bias",
            shape=(size,),
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def _spatial_config(self) -> dict:
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }


class BaseConv(SpatialConv):
    """An N-D convolution (cross-correlation) with Keras 3's ``Conv*D`` contract.

    Computes ``activation(conv(inputs, kernel) + bias)``. The kernel has Keras' layout
    ``(*kernel_size, input_channels // groups, filters)``. ``padding="same"`` pads like
    Keras: when an axis needs an odd total padding, the extra element goes after.

    Args:
        rank: Number of spatial axes (1, 2 or 3).
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of ``rank`` ints, the window size.
        strides: Int or tuple of ``rank`` ints. ``strides > 1`` excludes
            ``dilation_rate > 1``.
        padding: ``"valid"``, ``"same"`` or (``rank == 1`` only) ``"causal"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        dilation_rate: Int or tuple of ``rank`` ints.
        groups: Positive int dividing ``filters`` and the input channels.
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

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None:
            raise ValueError(
                f"{type(self).__name__}: LoRA is not supported by kshim. "
                f"Received: lora_rank={lora_rank}"
            )
        self._init_spatial(
            rank,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            allow_causal=rank == 1,
        )
        self.filters = check_positive_int(filters, "filters")
        if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups <= 0:
            raise ValueError(
                f"The number of groups must be a positive integer. Received: groups={groups}."
            )
        self.groups = int(groups)
        if self.filters % self.groups != 0:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={self.filters}."
            )
        check_stride_dilation(self.strides, self.dilation_rate)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._conv = CONV_FNS[rank]

    def build(self, input_shape):
        channels = self._build_spatial(input_shape)
        if channels % self.groups != 0:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of "
                f"groups. Received groups={self.groups}, but the input has {channels} "
                f"channels (full input shape is {tuple(input_shape)})."
            )
        kernel_shape = (*self.kernel_size, channels // self.groups, self.filters)
        self._conv_output_shape(input_shape, self.filters, kernel_shape)
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = self._bias_weight(self.filters)

    def call(self, inputs):
        x, pad = self._prepare(inputs)
        kernel, bias = self.kernel.permute(self._kperm), self.bias
        if kernel.dtype != x.dtype:  # mixed precision: weights follow the compute dtype
            kernel = kernel.to(x.dtype)
            bias = None if bias is None else bias.to(x.dtype)
        y = self._conv(x, kernel, bias, self.strides, pad, self.dilation_rate, self.groups)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        kernel_shape = (*self.kernel_size, None, self.filters)
        return self._conv_output_shape(input_shape, self.filters, kernel_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._spatial_config(),
            "groups": self.groups,
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
