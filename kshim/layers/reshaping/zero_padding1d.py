"""``ZeroPadding1D``: pads the steps axis with zeros."""

from __future__ import annotations

import torch.nn.functional as F

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import standardize_tuple, torch_pad


class ZeroPadding1D(Layer):
    """Adds zeros at the start and end of the steps axis of a sequence.

    Args:
        padding: Int (the same number of zeros at both ends) or tuple of 2 ints
            ``(start, end)``. Default ``1``.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format (``"channels_last"`` unless changed) by default.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, steps, features)`` for ``channels_last``,
        ``(batch_size, features, steps)`` for ``channels_first``.

    Output shape:
        The same with ``steps + start + end`` steps.

    >>> import torch
    >>> ZeroPadding1D((1, 2))(torch.ones(1, 2, 1))[0, :, 0]
    tensor([0., 1., 1., 0., 0.])
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)
        self._pad = torch_pad((self.padding,), self.data_format)
        self._axis = 1 if self.data_format == "channels_last" else 2

    def call(self, inputs):
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        if out[self._axis] is not None:
            out[self._axis] += sum(self.padding)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
