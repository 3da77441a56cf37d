"""``Dot``: the dot product of two tensors along an axis of each, per sample."""

from __future__ import annotations

import string

import torch

from kshim.backend import config
from kshim.layers.merging.base_merge import Merge


def _resolve_axes(axes, ndim1: int, ndim2: int) -> tuple:
    """The (positive) contraction axis of each input, as Keras' ``Dot`` resolves them."""
    if isinstance(axes, int):
        if axes < 0:
            return (axes % ndim1, axes % ndim2)
        return (axes, axes)
    return tuple(a % n if a < 0 else a for a, n in zip(axes, (ndim1, ndim2)))


def batch_dot_equation(shape1, shape2, axes) -> tuple:
    """Checks two shapes as Keras' ``batch_dot`` does and returns ``(equation, unsqueeze)``:
    the einsum equation of the per-sample contraction, and whether a trailing size-1 axis
    must be added (two rank-2 inputs give ``(batch, 1)``)."""
    n1, n2 = len(shape1), len(shape2)
    if n1 < 2 or n2 < 2:
        raise ValueError(
            "Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
            f"{tuple(shape1)} and {tuple(shape2)}."
        )
    b1, b2 = shape1[0], shape2[0]
    if b1 is not None and b2 is not None and b1 != b2:
        raise ValueError(
            "Cannot do batch_dot on inputs with different batch sizes. Received inputs with "
            f"shapes {tuple(shape1)} and {tuple(shape2)}."
        )
    a0, a1 = axes
    if a0 == 0 or a1 == 0:
        raise ValueError(
            "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
            "dummy batch dimension to your inputs using keras.ops.expand_dims(x, 0)"
        )
    if not (0 < a0 < n1 and 0 < a1 < n2):
        raise ValueError(
            f"Invalid `axes` for Dot: axes {list(axes)} are out of range for inputs of shapes "
            f"{tuple(shape1)} and {tuple(shape2)}."
        )
    d1, d2 = shape1[a0], shape2[a1]
    if d1 is not None and d2 is not None and d1 != d2:
        raise ValueError(
            f"Cannot do batch_dot on inputs with shapes {tuple(shape1)} and {tuple(shape2)} "
            f"with axes={list(axes)}. x.shape[{a0}] != y.shape[{a1}] ({d1} != {d2})."
        )
    letters = iter(string.ascii_letters[2:])
    x = ["a"] + [("b" if i == a0 else next(letters)) for i in range(1, n1)]
    y = ["a"] + [("b" if i == a1 else next(letters)) for i in range(1, n2)]
    out = ["a"] + [c for c in x[1:] if c != "b"] + [c for c in y[1:] if c != "b"]
    equation = f"{''.join(x)},{''.join(y)}->{''.join(out)}"
    return equation, n1 == 2 and n2 == 2


class Dot(Merge):
    """Per-sample dot product of two tensors along ``axes``.

    For ``x`` of shape ``(batch, n)`` and ``y`` of shape ``(batch, n)`` the output is
    ``(batch, 1)``, ``out[i] = sum(x[i] * y[i])``. In general the output holds the
    remaining axes of ``x``, then those of ``y`` (Keras' ``batch_dot``).

    Args:
        axes: An int, or a pair of ints (one per input): the axes to contract.
            The batch axis 0 cannot be contracted.
        normalize: Whether to L2-normalize both inputs along ``axes`` first (the output
            is then the cosine similarity).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of two tensors of rank >= 2 with the same batch size.

    Output shape:
        ``(batch_size, *other_axes_of_x, *other_axes_of_y)``, or ``(batch_size, 1)`` for
        two rank-2 inputs.

    >>> import torch
    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> Dot(axes=1)([x, x])
    tensor([[ 5.],
            [25.]])
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes}"
                )
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes}"
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True
        self._plans = {}  # (ndim1, ndim2) -> (axes, equation, unsqueeze)

    def _plan(self, shape1, shape2):
        key = (len(shape1), len(shape2))
        plan = self._plans.get(key)
        if plan is None:
            axes = _resolve_axes(self.axes, *key)
            plan = (axes, *batch_dot_equation(shape1, shape2, axes))
            self._plans[key] = plan
        return plan

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={input_shape}"
            )
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            return
        axes = _resolve_axes(self.axes, len(shape1), len(shape2))
        if all(0 <= a < len(s) for a, s in zip(axes, (shape1, shape2))):
            if shape1[axes[0]] != shape2[axes[1]]:
                raise ValueError(
                    f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis "
                    f"{axes[0]}) != {shape2[axes[1]]} (at axis {axes[1]}). "
                    f"Full input shapes: {tuple(shape1)}, {tuple(shape2)}"
                )
        self._plan(shape1, shape2)

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}"
            )
        x1, x2 = inputs
        (a0, a1), equation, unsqueeze = self._plan(x1.shape, x2.shape)
        if self.normalize:
            x1 = _l2_normalize(x1, a0)
            x2 = _l2_normalize(x2, a1)
        out = torch.einsum(equation, x1, x2)
        return out.unsqueeze(-1) if unsqueeze else out

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. "
                f"Received: input_shape={input_shape}"
            )
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a0, a1 = _resolve_axes(self.axes, len(shape1), len(shape2))
        shape1.pop(a0)
        shape2.pop(a1)
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis):
    # Keras: x * min(rsqrt(sum(x**2)), 1 / epsilon).
    inv_norm = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / config.epsilon())


def dot(inputs, axes=-1, **kwargs):
    """Functional form of ``Dot``: ``Dot(axes, **kwargs)(inputs)``."""
    return Dot(axes=axes, **kwargs)(inputs)
