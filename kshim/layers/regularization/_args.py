"""Argument checks shared by the regularization layers (Keras 3's wording)."""

from __future__ import annotations

import numbers


def check_unit_interval(value, name: str):
    """Returns ``value`` if it is a number in ``[0, 1]``, else raises ``ValueError`` as Keras
    does (Keras raises ``TypeError`` for non-numbers; a ``ValueError`` naming the argument
    is more useful and what the other checks raise).

    >>> check_unit_interval(0.5, "rate")
    0.5
    >>> check_unit_interval(2, "rate")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate=2
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 <= value <= 1  # also rejects NaN
    ):
        raise ValueError(
            f"Invalid value received for argument `{name}`. Expected a float value between "
            f"0 and 1. Received: {name}={value}"
        )
    return value
