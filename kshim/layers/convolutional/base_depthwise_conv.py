"""``BaseDepthwiseConv``: the shared machinery of the depthwise convolution layers."""

from __future__ import annotations

from kshim import activations, constraints, initializers, regularizers
from kshim.layers.convolutional.base_conv import CONV_FNS, SpatialConv, check_positive_int


class DepthwiseMixin:
    """The depthwise kernel: Keras' ``(*kernel_size, channels, depth_multiplier)`` seen as
    torch's grouped-conv weight ``(channels * depth_multiplier, 1, *kernel_size)``.

    Output channel ``c * depth_multiplier + m`` is input channel ``c`` convolved with
    ``kernel[..., c, m]``, as in Keras; the reshape and permute are views.
    """

    def _plan_depthwise(self, channels: int) -> None:
        self._dw_shape = (*self.kernel_size, 1, channels * self.depth_multiplier)
        self._dw_groups = channels

    def _depthwise_weight(self, kernel):
        return kernel.reshape(self._dw_shape).permute(self._kperm)


class BaseDepthwiseConv(DepthwiseMixin, SpatialConv):
    """An N-D depthwise convolution with Keras 3's ``DepthwiseConv*D`` contract.

    Each input channel is convolved with its own ``depth_multiplier`` filters; the outputs
    are concatenated (``channels * depth_multiplier`` output channels). The kernel is
    created under Keras 3's weight name ``"kernel"`` with layout
    ``(*kernel_size, channels, depth_multiplier)``.

    Args:
        rank: Number of spatial axes (1 or 2).
        depth_multiplier: Positive int, the number of output channels per input channel.
        kernel_size: Int or tuple of ``rank`` ints, the window size.
        strides: Int or tuple of ``rank`` ints.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        dilation_rate: Int or tuple of ``rank`` ints.
        activation: Activation name or callable; ``None`` means linear.
        use_bias: Whether to add a bias vector.
        depthwise_initializer: Initializer of the kernel (``"glorot_uniform"``).
        bias_initializer: Initializer of the bias (``"zeros"``).
        depthwise_regularizer: Regularizer of the kernel.
        bias_regularizer: Regularizer of the bias.
        activity_regularizer: Regularizer of the output.
        depthwise_constraint: Constraint of the kernel.
        bias_constraint: Constraint of the bias.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).
    """

    def __init__(
        self,
        rank,
        depth_multiplier,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
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
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._conv = CONV_FNS[rank]

    def build(self, input_shape):
        channels = self._build_spatial(input_shape)
        kernel_shape = (*self.kernel_size, channels, self.depth_multiplier)
        self._conv_output_shape(input_shape, channels * self.depth_multiplier, kernel_shape)
        self._plan_depthwise(channels)
        self.kernel = self.add_weight(
            name="kernel",
            shape=kernel_shape,
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.bias = self._bias_weight(channels * self.depth_multiplier)

    def call(self, inputs):
        x, pad = self._prepare(inputs)
        kernel, bias = self._depthwise_weight(self.kernel), self.bias
        if kernel.dtype != x.dtype:  # mixed precision: weights follow the compute dtype
            kernel = kernel.to(x.dtype)
            bias = None if bias is None else bias.to(x.dtype)
        y = self._conv(x, kernel, bias, self.strides, pad, self.dilation_rate, self._dw_groups)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = tuple(input_shape)[axis]
        out = None if channels is None else channels * self.depth_multiplier
        kernel_shape = (*self.kernel_size, channels, self.depth_multiplier)
        return self._conv_output_shape(input_shape, out, kernel_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            **self._spatial_config(),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
