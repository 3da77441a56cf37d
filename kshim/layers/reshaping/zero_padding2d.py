"""``ZeroPadding2D``: pads the height and width with zeros."""

from __future__ import annotations

import torch.nn.functional as F

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import spatial_axes, standardize_pairs, torch_pad


class ZeroPadding2D(Layer):
    """Adds zeros before and after the height and width axes of the input.

    Args:
        padding: Int (the same padding on every side), tuple of 2 ints
            ``(symmetric_height_pad, symmetric_width_pad)``, or tuple of 2 pairs
            ``((top_pad, bottom_pad), (left_pad, right_pad))``. Default ``(1, 1)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, height, width, channels)`` for ``channels_last``,
        ``(batch_size, channels, height, width)`` for ``channels_first``.

    Output shape:
        The same with each spatial axis grown by its padding.

    >>> import torch
    >>> ZeroPadding2D(1)(torch.ones(1, 2, 2, 1))[0, :, :, 0]
    tensor([[0., 0., 0., 0.],
            [0., 1., 1., 0.],
            [0., 1., 1., 0.],
            [0., 0., 0., 0.]])
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.padding = standardize_pairs(padding, 2, "padding")
        self.input_spec = InputSpec(ndim=2 + 2)
        self._pad = torch_pad(self.padding, self.data_format)
        self._axes = spatial_axes(2, self.data_format)

    def call(self, inputs):
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for axis, pair in zip(self._axes, self.padding):
            if out[axis] is not None:
                out[axis] += sum(pair)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
