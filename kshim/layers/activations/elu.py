"""``ELU``: exponential linear unit."""

from __future__ import annotations

import torch.nn.functional as F

from kshim.layers.layer import Layer


class ELU(Layer):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Args:
        alpha: Scale of the negative part.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> ELU(alpha=2.0)(torch.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None or isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ValueError(
                f"Argument `alpha` of an ELU layer must be a number. Received: alpha={alpha}"
            )
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
