"""The Initializer base class and the shape/dtype/device rules every initializer follows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from kshim.backend import config as backend_config
from kshim.saving.object_registration import keras_export


@keras_export("keras.Initializer", "keras.initializers.Initializer")
class Initializer:
    """Base class of initializers: callables ``init(shape, dtype=None) -> torch.Tensor``.

    Subclasses implement ``__call__`` and, when their constructor takes arguments,
    ``get_config``. The tensor is created on ``torch.get_default_device()``, so
    ``with torch.device("meta"):`` (or ``"cuda"``) places it, and ``dtype=None`` means
    ``kshim.backend.config.floatx()``.

    Example:

    >>> from kshim.initializers import Ones
    >>> class Twos(Initializer):
    ...     def __call__(self, shape, dtype=None):
    ...         return 2 * Ones()(shape, dtype)
    >>> Twos()((2,))
    tensor([2., 2.])
    """

    def __call__(self, shape: Sequence[int], dtype: Any = None) -> torch.Tensor:
        """Returns a tensor of the given shape and dtype.

        Args:
            shape: Shape of the tensor.
            dtype: Optional dtype (Keras name, torch or numpy dtype); ``None`` means
                ``floatx()``.
        """
        raise NotImplementedError("Initializer subclasses must implement the `__call__()` method.")

    def get_config(self) -> dict[str, Any]:
        """Returns the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """Creates an initializer from the output of ``get_config``.

        Args:
            config: A dict of constructor arguments.
        """
        return cls(**config)

    def clone(self) -> Initializer:
        """Returns a new initializer with the same config."""
        return self.__class__.from_config(self.get_config())


def standardize_shape(shape) -> tuple[int, ...]:
    """Returns ``shape`` as a tuple of non-negative ints (an int means a 1-D shape).

    Args:
        shape: An int or a sequence of ints (``torch.Size``, tuple, list).
    """
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        dims = None
    if dims is None or any(d < 0 for d in dims):
        raise ValueError(
            "Cannot initialize a tensor whose shape is not fully defined by non-negative "
            f"integers. Received: shape={shape}"
        )
    return dims


def to_dtype(dtype) -> torch.dtype:
    """Returns the torch dtype for ``dtype``; ``None`` means ``floatx()``.

    Args:
        dtype: A Keras dtype name, torch dtype, numpy dtype or ``None``.
    """
    return backend_config.to_torch_dtype(backend_config.standardize_dtype(dtype))
