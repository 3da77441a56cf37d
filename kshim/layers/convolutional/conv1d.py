"""``Conv1D``: 1D convolution (e.g. temporal convolution)."""

from __future__ import annotations

from kshim.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """A 1D convolution layer (e.g. temporal convolution).

    Computes ``activation(conv(inputs, kernel) + bias)``; the kernel has Keras' layout
    ``(kernel_size, input_channels // groups, filters)``.

    Args:
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of 1 ints, the window size.
        strides: Int or tuple of 1 ints. ``strides > 1`` excludes ``dilation_rate > 1``.
        padding: ``"valid"``, ``"same"`` or ``"causal"`` (case-insensitive).
            ``"causal"`` pads ``dilation_rate * (kernel_size - 1)`` zeros before the
            sequence only, so ``output[t]`` never depends on ``input[t + 1:]``.
        data_format: ``"channels_last"`` (``(batch, steps, channels)``) or ``"channels_first"``
            (``(batch, channels, steps)``); the global image data format by default.
        dilation_rate: Int or tuple of 1 ints, the dilation of the kernel.
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
        ``(batch, steps, channels)`` (channels_last) or ``(batch, channels, steps)`` (channels_first).

    Output shape:
        ``(batch, new_steps, filters)`` (channels_last) or ``(batch, filters, new_steps)`` (channels_first);
        each new spatial size is ``ceil(size / stride)`` with ``"same"`` or ``"causal"`` padding and
        ``floor((size - dilated_kernel) / stride) + 1`` with ``"valid"``.

    >>> import torch
    >>> layer = Conv1D(4, 3, padding="causal")
    >>> layer(torch.ones(2, 10, 8)).shape
    torch.Size([2, 10, 4])
    >>> [tuple(w.shape) for w in layer.weights]
    [(3, 8, 4), (4,)]
    """

    def __init__(
        self,
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
        **kwargs,
    ):
        super().__init__(
            rank=1,
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
