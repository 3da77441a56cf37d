"""Weight penalties: L1, L2, L1L2 and OrthogonalRegularizer."""

from __future__ import annotations

import math

import numpy as np
import torch

from kshim.backend.config import epsilon
from kshim.saving.object_registration import keras_export


def validate_float_arg(value, name: str) -> float:
    """Returns ``value`` as a float, or raises if it is not a finite non-negative number.

    Args:
        value: The penalty factor.
        name: The argument name, for the error message.
    """
    if not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value) or value < 0:
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value}"
        )
    return float(value)


def _as_float32(value: float) -> float:
    # Keras stores these factors as float32 tensors, so its configs hold the float32
    # value (0.01 -> 0.009999999776482582); keeping the same value keeps configs and
    # penalties identical to Keras'.
    return float(np.float32(value))


def _factor(value: float, x: torch.Tensor) -> torch.Tensor:
    # Keras casts the factor to the weight's dtype before multiplying.
    return torch.as_tensor(value, dtype=x.dtype, device=x.device)


@keras_export("keras.Regularizer", "keras.regularizers.Regularizer")
class Regularizer:
    """Base class of regularizers: callables ``reg(x) -> scalar tensor`` (a penalty).

    Subclasses implement ``__call__`` and ``get_config``.

    Example:

    >>> import torch
    >>> class SumSquares(Regularizer):
    ...     def __init__(self, factor=1.0):
    ...         self.factor = factor
    ...     def __call__(self, x):
    ...         return self.factor * torch.sum(x**2)
    ...     def get_config(self):
    ...         return {"factor": self.factor}
    >>> SumSquares(0.5)(torch.ones(2, 2))
    tensor(2.)
    """

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Returns the penalty for ``x``: zero for the base class.

        Args:
            x: The weight (or activity) tensor.
        """
        return torch.zeros((), dtype=x.dtype, device=x.device)

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """Creates a regularizer from the output of ``get_config``.

        Args:
            config: A dict of constructor arguments.
        """
        return cls(**config)

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        raise NotImplementedError(f"{self} does not implement get_config()")


@keras_export("keras.regularizers.L1L2", "keras.regularizers.l1_l2")
class L1L2(Regularizer):
    """Penalty ``l1 * sum(abs(x)) + l2 * sum(square(x))``.

    Args:
        l1: Non-negative L1 factor (``None`` means 0).
        l2: Non-negative L2 factor (``None`` means 0).

    Example:

    >>> import torch
    >>> L1L2(l1=0.5, l2=0.25)(torch.tensor([1.0, -2.0]))
    tensor(2.7500)
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        if self.l1 != 0.0:
            penalty = penalty + _factor(self.l1, x) * torch.sum(torch.abs(x))
        if self.l2 != 0.0:
            penalty = penalty + _factor(self.l2, x) * torch.sum(torch.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@keras_export("keras.regularizers.L1", "keras.regularizers.l1")
class L1(Regularizer):
    """Penalty ``l1 * sum(abs(x))``.

    Args:
        l1: Non-negative factor (``None`` means 0.01).

    Example:

    >>> import torch
    >>> L1(0.5)(torch.tensor([1.0, -2.0]))
    tensor(1.5000)
    """

    def __init__(self, l1=0.01):
        self.l1 = _as_float32(validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x):
        return _factor(self.l1, x) * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


@keras_export("keras.regularizers.L2", "keras.regularizers.l2")
class L2(Regularizer):
    """Penalty ``l2 * sum(square(x))``.

    Args:
        l2: Non-negative factor (``None`` means 0.01).

    Example:

    >>> import torch
    >>> L2(2.0)(torch.ones(5, 5))
    tensor(50.)
    """

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        return _factor(self.l2, x) * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}


@keras_export(
    "keras.regularizers.OrthogonalRegularizer", "keras.regularizers.orthogonal_regularizer"
)
class OrthogonalRegularizer(Regularizer):
    """Penalty that pushes the rows (or columns) of a 2-D weight to be orthogonal.

    The penalty is ``factor`` times the mean absolute dot product between distinct
    L2-normalized rows (``mode="rows"``) or columns (``mode="columns"``).

    Args:
        factor: Non-negative regularization factor.
        mode: ``"rows"`` or ``"columns"``.

    Example:

    >>> import torch
    >>> OrthogonalRegularizer(factor=1.0)(torch.eye(3))
    tensor(0.)
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _as_float32(validate_float_arg(factor, name="factor"))
        if mode not in {"rows", "columns"}:
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode}'
            )
        self.mode = mode

    def __call__(self, inputs):
        if inputs.ndim != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={tuple(inputs.shape)}"
            )
        axis = 1 if self.mode == "rows" else 0
        # L2-normalize as Keras does: x * min(rsqrt(sum(x^2)), 1 / epsilon).
        inv_norm = torch.rsqrt(torch.sum(torch.square(inputs), dim=axis, keepdim=True))
        normalized = inputs * torch.clamp(inv_norm, max=1.0 / epsilon())
        if self.mode == "rows":
            product = normalized @ normalized.T
        else:
            product = normalized.T @ normalized
        size = product.shape[0]
        off_diagonal = product * (1.0 - torch.eye(size, dtype=inputs.dtype, device=inputs.device))
        num_pairs = size * (size - 1.0) / 2.0
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / num_pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}
