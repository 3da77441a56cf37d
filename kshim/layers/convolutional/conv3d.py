"""``Conv3D``: 3D convolution (e.g. spatial convolution over volumes)."""

from __future__ import annotations

from kshim.layers.convolutional.base_conv import BaseConv


class Conv3D(BaseConv):
    """A 3D convolution layer (e.g. spatial convolution over volumes).

    Computes ``activation(conv(inputs, kernel) + bias)``; the kernel has Keras' layout
    ``(*kernel_size, input_channels // groups, filters)``.

    Args:
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of 3 ints, the window size.
        strides: Int or tuple of 3 ints. ``strides > 1`` excludes ``dilation_rate > 1``.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` (``(batch, dim1, dim2, dim3, channels)``) or ``"channels_first"``
            (``(batch, channels, dim1, dim2, dim3)``); the global image data format by default.
        dilation_rate: Int or tuple of 3 ints, the dilation of the kernel.
        groups: Positive int dividing ``filters`` and the input channels: the channels
            are split into ``groups`` groups convolved separately.
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

    Input shape:
        ``(batch, dim1, dim2, dim3, channels)`` (channels_last) or ``(batch, channels, dim1, dim2, dim3)`` (channels_first).

    Output shape:
        ``(batch, new_dim1, new_dim2, new_dim3, filters)`` (channels_last) or ``(batch, filters, new_dim1, new_dim2, new_dim3)`` (channels_first);
        each new spatial size is ``ceil(size / stride)`` with ``"same"`` padding and
        ``floor((size - dilated_kernel) / stride) + 1`` with ``"valid"``.

    >>> import torch
    >>> layer = Conv3D(4, 3)
    >>> layer(torch.ones(1, 5, 5, 5, 2)).shape
    torch.Size([1, 3, 3, 3, 4])
    >>> [tuple(w.shape) for w in layer.weights]
    [(3, 3, 3, 2, 4), (4,)]
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1, 1),
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
        **kwargs,
    ):
        super().__init__(
            rank=3,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            groups=groups,
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
