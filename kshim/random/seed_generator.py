"""``SeedGenerator``: a seed state that advances with every draw."""

from __future__ import annotations

import torch

from kshim.backend.naming import auto_name


def _as_int32(seed: int) -> int:
    # Seeds are 32-bit patterns; store them in an int32 (two's complement) like Keras.
    seed &= 0xFFFFFFFF
    return seed - (1 << 32) if seed >= 1 << 31 else seed


class SeedGenerator:
    """A stream of seeds for the random functions: each draw that uses it advances it.

    Passing an int as ``seed`` to a random function gives the same values on every call;
    passing a ``SeedGenerator`` gives new values on every call, reproducibly from its
    initial seed. The state is an int32 tensor ``[seed, counter]`` on the CPU
    (``state``), advanced in place, so draws also advance under ``torch.compile``
    without recompiling.

    ``SeedGenerator(seed=None)`` takes its initial seed from torch's global generator
    (so ``torch.manual_seed`` reproduces it); `kshim.random.dropout` treats such a
    generator like ``seed=None`` and uses torch's own dropout, as Keras' torch backend
    does.

    Args:
        seed: Optional int, the initial seed.
        name: Optional name; a unique one is made by default.

    >>> gen = SeedGenerator(42)
    >>> from kshim import random
    >>> a, b = random.uniform((2,), seed=gen), random.uniform((2,), seed=gen)
    >>> bool((a != b).all())
    True
    >>> gen2 = SeedGenerator(42)
    >>> bool((random.uniform((2,), seed=gen2) == a).all())
    True
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)  # Keras' argument; there is only one backend here
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = auto_name(type(self).__name__) if name is None else name
        self._initial_seed = seed
        if seed is None:
            seed = int(torch.randint(1, 10**9, (), device="cpu"))
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        # A generator made under inference_mode must still advance outside it.
        with torch.inference_mode(False):
            self.state = torch.tensor([_as_int32(seed), 0], dtype=torch.int32, device="cpu")
            self._step = torch.tensor([0, 1], dtype=torch.int32, device="cpu")

    @property
    def initial_seed(self):
        """The ``seed`` given at construction (``None`` if it was drawn)."""
        return self._initial_seed

    def next(self, ordered=True) -> torch.Tensor:
        """Returns the current ``[seed, counter]`` state and advances it.

        Args:
            ordered: ``True`` increments the counter; ``False`` scrambles the whole state
                instead (as Keras' ``next(ordered=False)``).
        """
        value = self.state.clone()
        with torch.no_grad():
            if ordered:
                self.state.add_(self._step)
            else:
                self.state.copy_((self.state.to(torch.int64) + 1) * 5387 % 933199)
        return value

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name!r} seed={self._initial_seed!r}>"
