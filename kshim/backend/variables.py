"""``Variable``: a Keras weight that is a real ``torch.nn.Parameter``.

A trainable weight is registered on its layer as a parameter; a non-trainable one (running
statistics and the like) is the same class with ``requires_grad=False``, registered as a
buffer, so DDP broadcasts it and ``state_dict`` saves it. Either way it keeps Keras'
variable API (``assign``, ``assign_add``, ``numpy()``, ``name``, ``path``, ``trainable``)
and is a plain tensor to every torch op: the subclass adds no per-op cost and traces
under ``torch.compile``.
"""

from __future__ import annotations

import torch
from torch import nn

_META_KEYS = ("_kname", "_kpath", "_ktrainable", "_kautocast", "regularizer", "constraint")


def _rebuild_variable(data, requires_grad, state):
    v = Variable(data, requires_grad=requires_grad)
    v.__dict__.update(state)
    return v


class Variable(nn.Parameter):
    """A Keras-style weight. Created by ``Layer.add_weight``; rarely built by hand.

    >>> v = Variable(torch.zeros(2), name="total", trainable=False)
    >>> v.assign_add(torch.ones(2)).numpy().tolist()
    [1.0, 1.0]
    >>> (v.name, v.trainable, v.requires_grad)
    ('total', False, False)
    """

    def __new__(cls, data=None, requires_grad=None, *, name=None, trainable=True):
        if requires_grad is None:
            requires_grad = bool(trainable) and (
                data is None or data.is_floating_point() or data.is_complex()
            )
        return super().__new__(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=None, *, name=None, trainable=True):
        self._kname = name or "variable"
        self._kpath = self._kname
        self._ktrainable = bool(trainable)
        self.regularizer = None
        self.constraint = None

    # ``TensorBase.name`` is a read-only slot; the Keras name shadows it.
    @property
    def name(self) -> str:
        return self.__dict__.get("_kname", "variable")

    @property
    def path(self) -> str:
        return self.__dict__.get("_kpath", self.name)

    @property
    def trainable(self) -> bool:
        return self.__dict__.get("_ktrainable", self.requires_grad)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._ktrainable = bool(value)
        if self.is_floating_point() or self.is_complex():
            self.requires_grad_(bool(value))

    @property
    def value(self) -> torch.Tensor:
        return self

    def numpy(self, *, force: bool = False):
        return self.detach().cpu().numpy()

    def _as_tensor(self, value) -> torch.Tensor:
        value = torch.as_tensor(value, dtype=self.dtype, device=self.device)
        if value.shape != self.shape:
            raise ValueError(
                f"The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={tuple(self.shape)}, "
                f"Received: value.shape={tuple(value.shape)}. Target variable: {self.path}"
            )
        return value

    def assign(self, value) -> Variable:
        """Writes ``value`` into the variable in place (no gradient is recorded)."""
        with torch.no_grad():
            self.copy_(self._as_tensor(value))
        return self

    def assign_add(self, value) -> Variable:
        with torch.no_grad():
            self.add_(self._as_tensor(value))
        return self

    def assign_sub(self, value) -> Variable:
        with torch.no_grad():
            self.sub_(self._as_tensor(value))
        return self

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Variable(self.data.clone(memory_format=torch.preserve_format), self.requires_grad)
        result.__dict__.update({k: v for k, v in self.__dict__.items()})
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        state = {k: self.__dict__[k] for k in _META_KEYS if k in self.__dict__}
        return (_rebuild_variable, (self.data, self.requires_grad, state))

    def __repr__(self) -> str:
        return f"<Variable path={self.path}, shape={tuple(self.shape)}, dtype={self.dtype}>"


def rewrap(t: torch.Tensor, like: Variable) -> Variable:
    """Returns ``t`` as a ``Variable`` carrying ``like``'s Keras metadata (no copy)."""
    v = Variable(t, requires_grad=t.requires_grad)
    v.__dict__.update(like.__dict__)
    return v
