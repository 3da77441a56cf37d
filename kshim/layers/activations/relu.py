"""``ReLU``: rectified linear unit with optional cap, leak and threshold."""

from __future__ import annotations

import functools

import torch.nn.functional as F

from kshim import activations
from kshim.layers.layer import Layer


def _check_number(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"Argument `{name}` of a ReLU layer must be a number. Received: {name}={value}"
        )


class ReLU(Layer):
    """Rectified linear unit.

    ``f(x) = max_value`` if ``x >= max_value``; ``x`` if ``threshold <= x < max_value``;
    ``negative_slope * (x - threshold)`` otherwise.

    Args:
        max_value: Optional non-negative cap of the output (``None``: no cap).
        negative_slope: Non-negative slope below the threshold.
        threshold: Non-negative value below which the input is damped.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> ReLU(max_value=1.0)(torch.tensor([-1.0, 0.5, 2.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _check_number("max_value", max_value, allow_none=True)
        _check_number("negative_slope", negative_slope)
        _check_number("threshold", threshold)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                "max_value of a ReLU layer cannot be a negative value. "
                f"Received: max_value={max_value}"
            )
        if negative_slope < 0.0:
            raise ValueError(
                "negative_slope of a ReLU layer cannot be None or a negative value. "
                f"Received: negative_slope={negative_slope}"
            )
        if threshold < 0.0:
            raise ValueError(
                "threshold of a ReLU layer cannot be None or a negative value. "
                f"Received: threshold={threshold}"
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        # The plain cases are single torch kernels.
        if max_value is None and threshold == 0 and negative_slope == 0:
            self._fn = F.relu
        elif max_value is None and threshold == 0:
            self._fn = functools.partial(F.leaky_relu, negative_slope=negative_slope)
        elif max_value == 6 and threshold == 0 and negative_slope == 0:
            self._fn = F.relu6
        else:
            self._fn = functools.partial(
                activations.relu,
                negative_slope=negative_slope,
                max_value=max_value,
                threshold=threshold,
            )

    def call(self, inputs):
        return self._fn(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
