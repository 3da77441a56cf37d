"""Eager and graph modes: ``executing_eagerly``, ``function`` and ``run_functions_eagerly``.

Graph mode is ``torch.compile``. A function is run eagerly once before it is compiled, so
that every layer it calls is built (weights are made) outside the traced region.
"""

from __future__ import annotations

import functools
import threading

import torch

_state = {"run_eagerly": False}


def executing_eagerly() -> bool:
    """``False`` while torch traces a compiled function, ``True`` otherwise."""
    return not torch.compiler.is_compiling()


def run_functions_eagerly(run_eagerly: bool) -> None:
    """Turns compilation of ``kshim.function`` off (``True``) or on (``False``) globally."""
    if not isinstance(run_eagerly, bool):
        raise TypeError(
            f"`run_functions_eagerly` expects a bool. Received: run_eagerly={run_eagerly!r}"
        )
    _state["run_eagerly"] = run_eagerly


def functions_run_eagerly() -> bool:
    return _state["run_eagerly"]


class _Function:
    """A callable that runs ``fn`` eagerly on its first call, compiled afterwards."""

    def __init__(self, fn, compile_kwargs):
        self._fn = fn
        self._compile_kwargs = compile_kwargs
        self._compiled = None
        self._warm = False
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        if _state["run_eagerly"] or torch.compiler.is_compiling():
            return self._fn(*args, **kwargs)
        if not self._warm:
            # First call: eager, so every layer builds (creates weights) before tracing.
            with self._lock:
                out = self._fn(*args, **kwargs)
                self._warm = True
            return out
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = torch.compile(self._fn, **self._compile_kwargs)
        return self._compiled(*args, **kwargs)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        return functools.partial(self.__call__, instance)


def function(fn=None, **compile_kwargs):
    """The counterpart of ``tf.function``: compiles ``fn`` with ``torch.compile``.

    Keyword arguments go to ``torch.compile`` (``fullgraph``, ``dynamic``, ``backend``,
    ``mode``, ...). Usable as ``kshim.function(fn)``, ``@kshim.function`` or
    ``@kshim.function(fullgraph=True)``. The first call runs eagerly so that layers build
    before they are traced; ``kshim.config.run_functions_eagerly(True)`` turns compilation
    off.

    >>> import kshim, torch
    >>> f = kshim.function(lambda x: x * 2, backend="eager")
    >>> f(torch.ones(2)).tolist()
    [2.0, 2.0]
    """
    if fn is None:
        return lambda f: _Function(f, compile_kwargs)
    if not callable(fn):
        raise TypeError(f"`kshim.function` expects a callable. Received: fn={fn!r}")
    return _Function(fn, compile_kwargs)
