"""``LeakyReLU``: ``x`` for ``x >= 0``, ``negative_slope * x`` otherwise."""

from __future__ import annotations

import warnings

import torch.nn.functional as F

from kshim.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit: ``x`` if ``x >= 0`` else ``negative_slope * x``.

    Args:
        negative_slope: Non-negative slope of the negative part (Keras 3's default,
            ``0.3``). The deprecated name ``alpha`` is accepted with a warning.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> LeakyReLU()(torch.tensor([-1.0, 2.0]))
    tensor([-0.3000,  2.0000])
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "Argument `alpha` is deprecated. Use `negative_slope` instead.", stacklevel=2
            )
        super().__init__(**kwargs)
        if (
            negative_slope is None
            or isinstance(negative_slope, bool)
            or not isinstance(negative_slope, (int, float))
            or negative_slope < 0
        ):
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative "
                f"value. Expected a float. Received: negative_slope={negative_slope}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
