"""Keras-style automatic names (``dense``, ``dense_1``, ...) and their reset."""

from __future__ import annotations

import re
import threading
from collections import defaultdict

_lock = threading.Lock()
_counts: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def uniquify(base: str) -> str:
    """Returns ``base`` the first time, then ``base_1``, ``base_2``, ..."""
    with _lock:
        n = _counts[base]
        _counts[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def auto_name(class_name: str) -> str:
    return uniquify(to_snake_case(class_name))


def reset_names() -> None:
    with _lock:
        _counts.clear()
