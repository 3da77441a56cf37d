"""``SeparableConv2D``: 2D depthwise-separable convolution."""

from __future__ import annotations

from kshim.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv2D(BaseSeparableConv):
    """A 2D depthwise-separable convolution layer.

    A depthwise convolution (each input channel convolved with its own
    ``depth_multiplier`` filters) followed by a pointwise (1x1) convolution mixing the
    channels into ``filters`` outputs, then the bias and activation. Weights in Keras'
    order: ``depthwise_kernel`` ``(*kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel`` ``(1, 1, channels * depth_multiplier, filters)``, ``bias``.

    Args:
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of 2 ints, the depthwise window size.
        strides: Int or tuple of 2 ints.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` (``(batch, height, width, channels)``) or ``"channels_first"``
            (``(batch, channels, height, width)``); the global image data format by default.
        dilation_rate: Int or tuple of 2 ints, the dilation of the depthwise kernel.
        depth_multiplier: Positive int, the depthwise output channels per input channel.
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

    Input shape:
        ``(batch, height, width, channels)`` (channels_last) or ``(batch, channels, height, width)`` (channels_first).

    Output shape:
        ``(batch, new_height, new_width, filters)`` (channels_last) or ``(batch, filters, new_height, new_width)`` (channels_first), with the spatial sizes of
        a convolution of the same ``kernel_size``, ``strides``, ``padding`` and
        ``dilation_rate``.

    >>> import torch
    >>> layer = SeparableConv2D(4, 3, depth_multiplier=2)
    >>> layer(torch.ones(2, 6, 6, 3)).shape
    torch.Size([2, 4, 4, 4])
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('depthwise_kernel', (3, 3, 3, 2)), ('pointwise_kernel', (1, 1, 6, 4)), ('bias', (4,))]
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        depth_multiplier=1,
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
        super().__init__(
            rank=2,
            depth_multiplier=depth_multiplier,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
