"""Argument checks shared by the pooling and reshaping layers (Keras 3's wording)."""

from __future__ import annotations

import numbers


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple:
    """Returns ``value`` (an int, or an iterable of ``n`` ints) as a tuple of ``n`` ints.

    Raises ``ValueError`` naming the argument, as Keras does, when ``value`` is not an int
    or an iterable of ``n`` ints, or holds a negative value (zero too, unless
    ``allow_zero``).

    >>> standardize_tuple(2, 3, "size")
    (2, 2, 2)
    >>> standardize_tuple((1, 0), 2, "padding", allow_zero=True)
    (1, 0)
    """
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        if isinstance(value, (str, bool)):
            raise ValueError(msg)
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(msg) from None
        if len(values) != n:
            raise ValueError(msg)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"{msg} including element {v} of type {type(v)}")
        values = tuple(int(v) for v in values)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{msg}, including values {bad} that do not satisfy `value {req}`")
    return values


_ORDINALS = ("1st", "2nd", "3rd")


def standardize_pairs(value, n: int, name: str) -> tuple:
    """Returns ``value`` as ``n`` ``(before, after)`` pairs of non-negative ints.

    ``value`` is an int (the same on both sides of every axis), a tuple of ``n`` ints (one
    per axis, both sides) or a tuple of ``n`` pairs. Used by ``ZeroPadding2D/3D`` and
    ``Cropping2D/3D``; errors follow Keras' wording.

    >>> standardize_pairs(1, 2, "padding")
    ((1, 1), (1, 1))
    >>> standardize_pairs((1, (2, 3)), 2, "cropping")
    ((1, 1), (2, 3))
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value), int(value)),) * n
    if isinstance(value, (str, bool)) or not hasattr(value, "__len__"):
        raise ValueError(
            f"`{name}` should be either an int, a tuple of {n} ints or a tuple of {n} "
            f"tuples of 2 ints ((before, after) for each axis). Received: {name}={value}."
        )
    if len(value) != n:
        count = "two" if n == 2 else str(n)
        raise ValueError(f"`{name}` should have {count} elements. Received: {name}={value}.")
    return tuple(
        standardize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
        for i, v in enumerate(value)
    )


def spatial_axes(n: int, data_format: str) -> tuple:
    """The spatial axes of a rank ``n + 2`` input in ``data_format``."""
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + n))


def torch_pad(pairs: tuple, data_format: str) -> tuple:
    """The ``F.pad`` argument (last axis first) padding the spatial axes by ``pairs``."""
    flat = (0, 0) if data_format == "channels_last" else ()
    for before, after in reversed(pairs):
        flat += (before, after)
    return flat


def crop_index(pairs: tuple, data_format: str) -> tuple:
    """An index that removes ``pairs`` ``(before, after)`` elements from the spatial axes."""
    lead = (slice(None),) if data_format == "channels_last" else (slice(None), slice(None))
    return lead + tuple(slice(b, -a if a else None) for b, a in pairs)
