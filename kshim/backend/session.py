"""Global session state: ``clear_session`` and ``track_variable``."""

from __future__ import annotations

import weakref

from kshim.backend import naming

_tracked: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def track_variable(variable) -> None:
    """Records a tensor created outside any layer, so ``tracked_variables()`` lists it
    until ``clear_session()`` (kept by weak reference: it never keeps a tensor alive)."""
    _tracked[id(variable)] = variable


def tracked_variables() -> list:
    return list(_tracked.values())


def clear_session(free_memory: bool = True) -> None:
    """Resets Keras' global state: automatic layer names start again at ``dense``, and
    tracked variables are forgotten.

    >>> import kshim
    >>> kshim.backend.clear_session()
    >>> kshim.layers.Dense(2).name
    'dense'
    """
    naming.reset_names()
    _tracked.clear()
    if free_memory:
        import gc

        gc.collect()
