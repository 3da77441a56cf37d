"""``Conv2DTranspose``: 2D transposed convolution."""

from __future__ import annotations

from kshim.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv2DTranspose(BaseConvTranspose):
    """A 2D transposed convolution layer.

    The transpose of a convolution (sometimes called "deconvolution"): it maps the shape
    of a convolution's output back to the shape of its input, with Keras 3's output sizes
    and values. The kernel has Keras' layout ``(*kernel_size, filters, input_channels)``.

    Args:
        filters: Positive int, the number of output channels.
        kernel_size: Int or tuple of 2 ints, the window size.
        strides: Int or tuple of 2 ints. ``strides > 1`` excludes ``dilation_rate > 1``.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        output_padding: ``None`` (inferred) or an int or tuple of 2 ints, each strictly
            less than the matching stride: extra output length at the end of each axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        dilation_rate: Int or tuple of 2 ints, the dilation of the kernel.
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
        ``(batch, height, width, channels)`` (channels_last) or ``(batch, channels, height, width)`` (channels_first).

    Output shape:
        ``(batch, new_height, new_width, filters)`` (channels_last) or ``(batch, filters, new_height, new_width)`` (channels_first). Each new
        size is ``size * stride`` with ``"same"`` and ``(size - 1) * stride +
        max(dilated_kernel, stride)`` with ``"valid"`` when ``output_padding`` is ``None``;
        ``(size - 1) * stride + dilated_kernel + output_padding`` (``"valid"``) or
        ``(size - 1) * stride + dilated_kernel % 2 + output_padding`` (``"same"``)
        otherwise.

    >>> import torch
    >>> layer = Conv2DTranspose(4, 3, strides=2, padding="same")
    >>> layer(torch.ones(2, 5, 5, 3)).shape
    torch.Size([2, 10, 10, 4])
    >>> [tuple(w.shape) for w in layer.weights]
    [(3, 3, 4, 3), (4,)]
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
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
            rank=2,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            output_padding=output_padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
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
