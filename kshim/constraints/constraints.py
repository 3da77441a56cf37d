"""Weight constraints: projections applied to a weight after each update."""

from __future__ import annotations

import torch

from kshim.backend.config import epsilon
from kshim.saving.object_registration import keras_export


def _to_tensor(w) -> torch.Tensor:
    return w if isinstance(w, torch.Tensor) else torch.as_tensor(w)


def _norms(w: torch.Tensor, axis) -> torch.Tensor:
    dim = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(torch.square(w), dim=dim, keepdim=True))


@keras_export("keras.constraints.Constraint")
class Constraint:
    """Base class of constraints: callables ``c(w) -> projected w``.

    The base class returns ``w`` unchanged; subclasses override ``__call__``.

    Example:

    >>> import torch
    >>> class Clip(Constraint):
    ...     def __call__(self, w):
    ...         return w.clamp(-1.0, 1.0)
    >>> Clip()(torch.tensor([-3.0, 0.5]))
    tensor([-1.0000,  0.5000])
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        """Returns the projection of ``w``.

        Args:
            w: The weight tensor.
        """
        return w

    def get_config(self) -> dict:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """Creates a constraint from the output of ``get_config``.

        Args:
            config: A dict of constructor arguments.
        """
        return cls(**config)


@keras_export("keras.constraints.MaxNorm", "keras.constraints.max_norm")
class MaxNorm(Constraint):
    """Rescales the weights incident to each unit to a norm of at most ``max_value``.

    Args:
        max_value: The largest allowed norm.
        axis: Axis (or list of axes) along which norms are taken: ``0`` for a Dense
            kernel ``(in, out)``, ``[0, 1, 2]`` for a Conv2D kernel ``(h, w, in, out)``.

    Example:

    >>> import torch
    >>> MaxNorm(max_value=1.0)(torch.tensor([[3.0], [4.0]]))
    tensor([[0.6000],
            [0.8000]])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _to_tensor(w)
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w.to(norms.dtype) * (desired / (epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@keras_export("keras.constraints.NonNeg", "keras.constraints.non_neg")
class NonNeg(Constraint):
    """Replaces negative weights with 0.

    Example:

    >>> import torch
    >>> NonNeg()(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def __call__(self, w):
        return torch.clamp(_to_tensor(w), min=0)


@keras_export("keras.constraints.UnitNorm", "keras.constraints.unit_norm")
class UnitNorm(Constraint):
    """Rescales the weights incident to each unit to unit norm.

    Args:
        axis: Axis (or list of axes) along which norms are taken.

    Example:

    >>> import torch
    >>> UnitNorm()(torch.tensor([[3.0], [4.0]]))
    tensor([[0.6000],
            [0.8000]])
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _to_tensor(w)
        norms = _norms(w, self.axis)
        return w.to(norms.dtype) / (epsilon() + norms)

    def get_config(self):
        return {"axis": self.axis}


@keras_export("keras.constraints.MinMaxNorm", "keras.constraints.min_max_norm")
class MinMaxNorm(Constraint):
    """Rescales the weights incident to each unit to a norm in ``[min_value, max_value]``.

    The new norm is ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``, so
    ``rate=1.0`` enforces the bounds at once and smaller rates move towards them.

    Args:
        min_value: The smallest allowed norm.
        max_value: The largest allowed norm.
        rate: Rate of enforcement.
        axis: Axis (or list of axes) along which norms are taken.

    Example:

    >>> import torch
    >>> MinMaxNorm(min_value=1.0, max_value=2.0)(torch.tensor([[0.3], [0.4]]))
    tensor([[0.6000],
            [0.8000]])
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _to_tensor(w)
        norms = _norms(w, self.axis)
        desired = (
            self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        )
        return w.to(norms.dtype) * (desired / (epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }
