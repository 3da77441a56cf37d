"""Argument checks, axis planning and weight reads shared by the normalization layers."""

from __future__ import annotations

import numbers


def check_float(value, name: str, low: float = 0.0, high: float | None = None, allow_none=False):
    """Returns ``value`` unchanged if it is a real number in ``[low, high]`` (or ``None`` when
    ``allow_none``), else raises ``ValueError`` naming the argument.

    >>> check_float(0.99, "momentum", high=1.0)
    0.99
    >>> check_float(-1.0, "epsilon")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `epsilon`: expected a number >= 0.0. Received: epsilon=-1.0
    """
    if value is None and allow_none:
        return value
    bounds = f">= {low}" if high is None else f"between {low} and {high}"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or value != value  # NaN
        or value < low
        or (high is not None and value > high)
    ):
        raise ValueError(
            f"Invalid value for argument `{name}`: expected a number {bounds}. "
            f"Received: {name}={value!r}"
        )
    return value


def standardize_axis(axis, layer: str):
    """Keras' ``axis`` argument of the per-sample normalizations: an int, or a list of
    ints (a tuple becomes a list, as in Keras). Raises ``TypeError`` as Keras does.

    >>> standardize_axis((1, 2), "LayerNormalization")
    [1, 2]
    """
    if isinstance(axis, (list, tuple)):
        axis = list(axis)
        items = axis
    else:
        items = [axis]
    for a in items:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(
                f"{layer}: expected an int or a list/tuple of ints for the argument "
                f"'axis', but received: {axis!r}"
            )
    return [int(a) for a in axis] if isinstance(axis, list) else int(axis)


def check_axes_in_bounds(axis, input_shape) -> None:
    """Keras' ``compute_output_shape`` check: every axis indexes ``input_shape``."""
    axes = axis if isinstance(axis, list) else [axis]
    n = len(input_shape)
    for a in axes:
        if a >= n or a < -n:
            raise ValueError(
                f"Axis {a} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={axis}"
            )


class AxesPlan:
    """How a per-sample normalization over ``axes`` runs on a tensor of rank ``ndim``.

    Worked out once in ``build``, from the axes in Keras' stored (sorted) order:

    * ``mode == "trailing"``: the axes are the last ones, in order: one fused
      ``F.layer_norm``/``F.rms_norm`` call on the input as is.
    * ``mode == "permute"``: the axes are distinct and ascending but not trailing: the
      same fused call on a permuted view (``perm``/``inverse``) that puts them last.
    * ``mode == "generic"``: Keras' stored order is not ascending (mixed negative and
      positive axes). Keras' layer normalization then reshapes its weights to
      ``broadcast_shape`` (which scrambles them); a layer reproducing that reduces over
      ``dims``. ``perm`` is still the view that lines the axes up with the weight.

    ``shape`` is the weight shape (sizes of the axes in Keras' order).
    """

    def __init__(self, axis: list, input_shape):
        ndim = len(input_shape)
        check_axes_in_bounds(axis, input_shape)
        pos = [a % ndim for a in axis]
        if len(set(pos)) != len(pos):
            raise ValueError(
                f"Duplicate axes are not allowed. Received: axis={axis} for input shape "
                f"{tuple(input_shape)}"
            )
        self.ndim = ndim
        self.shape = tuple(input_shape[a] for a in axis)
        for a, d in zip(axis, self.shape):
            if d is None:
                raise ValueError(
                    f"Axis {a} of the input must have a defined size to build the layer. "
                    f"Received input shape {tuple(input_shape)}"
                )
        self.dims = tuple(pos)
        if len(self.shape) == ndim:
            # Keras only reshapes a weight of lower rank than the input.
            self.broadcast_shape = self.shape
        else:
            self.broadcast_shape = tuple(input_shape[i] if i in pos else 1 for i in range(ndim))
        # A view that puts the axes last, in Keras' order, so the weight lines up with them.
        self.perm = tuple(i for i in range(ndim) if i not in pos) + tuple(pos)
        self.inverse = tuple(self.perm.index(i) for i in range(ndim))
        if pos == list(range(ndim - len(pos), ndim)):
            self.mode = "trailing"
        elif pos == sorted(pos):
            self.mode = "permute"
        else:
            self.mode = "generic"
        # A plan for negative trailing axes holds for any rank; any other plan only for the
        # rank it was built for.
        self.rank_free = self.mode == "trailing" and all(a < 0 for a in axis)
        self.spec_axes = {a: d for a, d in zip(axis, self.shape)}


def weight(layer, name: str, dtype):
    """The layer's weight ``name`` (``None`` if it has none), in ``dtype``, read as stored.

    Keras creates the normalization weights with ``autocast=False``: under a mixed policy
    they are not rounded to the compute dtype (which the base class' attribute read
    does), since the math runs in float32. A parametrized weight (a property) or a
    missing one (``None``) falls back to the attribute.
    """
    w = layer._parameters.get(name)
    if w is None:
        w = getattr(layer, name)
    if w is not None and w.dtype != dtype:
        w = w.to(dtype)
    return w
