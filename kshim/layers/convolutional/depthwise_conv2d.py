"""``DepthwiseConv2D``: 2D depthwise convolution."""

from __future__ import annotations

from kshim.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv2D(BaseDepthwiseConv):
    """A 2D depthwise convolution layer.

    Convolves each input channel with its own ``depth_multiplier`` filters and
    concatenates the results, so the output has ``channels * depth_multiplier`` channels.
    The kernel is named ``"kernel"`` (as in Keras 3) with layout
    ``(*kernel_size, channels, depth_multiplier)``.

    Args:
        kernel_size: Int or tuple of 2 ints, the window size.
        strides: Int or tuple of 2 ints.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        depth_multiplier: Positive int, the number of output channels per input channel.
        data_format: ``"channels_last"`` (``(batch, height, width, channels)``) or ``"channels_first"``
            (``(batch, channels, height, width)``); the global image data format by default.
        dilation_rate: Int or tuple of 2 ints, the dilation of the kernel.
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

    Input shape:
        ``(batch, height, width, channels)`` (channels_last) or ``(batch, channels, height, width)`` (channels_first).

    Output shape:
        ``(batch, new_height, new_width, channels * depth_multiplier)`` (channels_last) or ``(batch, channels * depth_multiplier, new_height, new_width)`` (channels_first), with the spatial sizes of
        a convolution of the same ``kernel_size``, ``strides``, ``padding`` and
        ``dilation_rate``.

    >>> import torch
    >>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
    >>> layer(torch.ones(2, 6, 6, 4)).shape
    torch.Size([2, 6, 6, 8])
    >>> [(w.name, tuple(w.shape)) for w in layer.weights]
    [('kernel', (3, 3, 4, 2)), ('bias', (8,))]
    """

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=(1, 1),
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
        super().__init__(
            rank=2,
            depth_multiplier=depth_multiplier,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
