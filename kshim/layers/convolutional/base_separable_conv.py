"""``BaseSeparableConv``: the shared machinery of the separable convolution layers."""

from __future__ import annotations

from kshim import activations, constraints, initializers, regularizers
from kshim.layers.convolutional.base_conv import CONV_FNS, SpatialConv, check_positive_int
from kshim.layers.convolutional.base_depthwise_conv import DepthwiseMixin


class BaseSeparableConv(DepthwiseMixin, SpatialConv):
    """An N-D depthwise-separable convolution with Keras 3's ``SeparableConv*D`` contract.

    A depthwise convolution (each input channel with its own ``depth_multiplier``
    filters) followed by a pointwise (1x1) convolution to ``filters`` channels, then the
    bias. Weights, in Keras' order and layouts: ``depthwise_kernel``
    ``(*kernel_size, channels, depth_multiplier)``, ``pointwise_kernel``
    ``(*(1,) * rank, channels * depth_multiplier, filters)``, ``bias`` ``(filters,)``.

    Args:
        rank: Number of spatial axes (1 or 2).
        depth_multiplier: Positive int, the depthwise output channels per input channel.
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of ``rank`` ints, the depthwise window size.
        strides: Int or tuple of ``rank`` ints.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        dilation_rate: Int or tuple of ``rank`` ints.
        activation: Activation name or callable; ``None`` means linear.
        use_bias: Whether to add a bias vector.
        depthwise_initializer: Initializer of the depthwise kernel (``"glorot_uniform"``).
        pointwise_initializer: Initializer of the pointwise kernel (``"glorot_uniform"``).
        bias_initializer: Initializer of the bias (``"zeros"``).
        depthwise_regularizer: Regularizer of the depthwise kernel.
        pointwise_regularizer: Regularizer of the pointwise kernel.
        bias_regularizer: Regularizer of the bias.
        activity_regularizer: Regularizer of the output.
        depthwise_constraint: Constraint of the depthwise kernel.
        pointwise_constraint: Constraint of the pointwise kernel.
        bias_constraint: Constraint of the bias.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).
    """

    def __init__(
        self,
        rank,
        depth_multiplier,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
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
        self.filters = check_positive_int(filters, "filters")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._conv = CONV_FNS[rank]
        self._ones = (1,) * rank

    def build(self, input_shape):
        channels = self._build_spatial(input_shape)
        depthwise_shape = (*self.kernel_size, channels, self.depth_multiplier)
        pointwise_shape = (*self._ones, channels * self.depth_multiplier, self.filters)
        self._conv_output_shape(input_shape, self.filters, depthwise_shape)
        self._plan_depthwise(channels)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel",
            shape=depthwise_shape,
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=pointwise_shape,
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = self._bias_weight(self.filters)

    def call(self, inputs):
        x, pad = self._prepare(inputs)
        depthwise = self._depthwise_weight(self.depthwise_kernel)
        pointwise = self.pointwise_kernel.permute(self._kperm)
        bias = self.bias
        if depthwise.dtype != x.dtype:  # mixed precision: weights follow the compute dtype
            depthwise, pointwise = depthwise.to(x.dtype), pointwise.to(x.dtype)
            bias = None if bias is None else bias.to(x.dtype)
        conv = self._conv
        y = conv(x, depthwise, None, self.strides, pad, self.dilation_rate, self._dw_groups)
        y = conv(y, pointwise, bias)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        kernel_shape = (*self.kernel_size, None, self.filters)
        return self._conv_output_shape(input_shape, self.filters, kernel_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            **self._spatial_config(),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
