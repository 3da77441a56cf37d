"""``InputSpec``: the rank, dtype and shape a layer accepts, and the checks behind it."""

from __future__ import annotations

import torch

from kshim.backend import config


class InputSpec:
    """Specifies the rank, dtype and shape of every input to a layer.

    A layer sets ``self.input_spec`` (one spec, or a list for several inputs); every call
    checks its inputs against it and raises ``ValueError`` in Keras' words on a mismatch.

    Args:
        dtype: Expected dtype name, e.g. ``"float32"``.
        shape: Expected shape, a tuple with ``None`` for free dimensions.
        ndim: Expected rank.
        max_ndim: Maximum rank.
        min_ndim: Minimum rank.
        axes: Dict mapping axes (ints, may be negative) to their expected size.
        allow_last_axis_squeeze: Accept a trailing axis of size 1 more or less.
        name: Name of the input, for dict inputs.
        optional: Whether the input may be ``None``.

    >>> spec = InputSpec(min_ndim=2, axes={-1: 4})
    >>> spec
    InputSpec(min_ndim=2, axes={-1: 4})
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = config.standardize_dtype(dtype) if dtype is not None else None
        if shape is not None:
            self.shape = tuple(None if d is None else int(d) for d in shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = None if ndim is None else int(ndim)
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        axes = axes or {}
        if not isinstance(axes, dict) or not all(isinstance(k, int) for k in axes):
            raise TypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}"
            )
        self.axes = {int(k): v for k, v in axes.items()}
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            max_dim = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            max_axis = max(self.axes)
            if max_axis > max_dim:
                raise ValueError(
                    f"Axis {max_axis} is greater than the maximum allowed value: {max_dim}"
                )
        # Worked out once, so that checking a call's input costs a few comparisons.
        self._axes_items = tuple((a, v) for a, v in self.axes.items() if v is not None)
        lo, hi = self.min_ndim or 0, self.max_ndim if self.max_ndim is not None else 1 << 30
        if self.ndim is not None and not allow_last_axis_squeeze:
            lo = hi = self.ndim
        self._ndim_range = (lo, hi)
        self._torch_dtype = config.to_torch_dtype(self.dtype) if self.dtype else None
        self._simple = self.shape is None

        self._fast_ok = self._make_fast_check()

    def _make_fast_check(self):
        """A predicate that is True when a tensor surely passes (False: run the full check,
        which raises with Keras' message). Specialised so the usual specs cost a few
        comparisons per call."""
        lo, hi = self._ndim_range
        dtype = self._torch_dtype
        if self.shape is None and dtype is None:
            if not self._axes_items:
                if lo == hi:
                    return lambda x: x.dim() == lo
                if self.max_ndim is None:
                    return lambda x: x.dim() >= lo
                return lambda x: lo <= x.dim() <= hi
            if len(self._axes_items) == 1 and self.max_ndim is None:
                axis, value = self._axes_items[0]
                # ``x.size(axis)`` is safe after the rank test: |axis| is within ``lo``.
                if (axis < 0 and -axis <= lo) or (0 <= axis < lo):
                    if lo == hi:
                        return lambda x: x.dim() == lo and x.size(axis) == value
                    return lambda x: x.dim() >= lo and x.size(axis) == value
        return self._generic_fast_ok

    def _generic_fast_ok(self, x) -> bool:
        shape = x.shape
        n = len(shape)
        lo, hi = self._ndim_range
        if n < lo or n > hi or not self._simple:
            return False
        if self._torch_dtype is not None and x.dtype != self._torch_dtype:
            return False
        for axis, value in self._axes_items:
            if axis >= n or axis < -n or shape[axis] != value:
                return False
        return True

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_fast_ok", None)  # a closure: rebuilt on load
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._fast_ok = self._make_fast_check()

    def __repr__(self) -> str:
        parts = [
            f"dtype={self.dtype}" if self.dtype else "",
            f"shape={self.shape}" if self.shape else "",
            f"ndim={self.ndim}" if self.ndim else "",
            f"max_ndim={self.max_ndim}" if self.max_ndim else "",
            f"min_ndim={self.min_ndim}" if self.min_ndim else "",
            f"axes={self.axes}" if self.axes else "",
        ]
        return f"InputSpec({', '.join(p for p in parts if p)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config: dict) -> InputSpec:
        return cls(**config)


def _prefix(index: int, spec: InputSpec, layer_name: str) -> str:
    if spec.name is not None:
        return f"Input {index} with name '{spec.name}' of layer \"{layer_name}\""
    return f'Input {index} of layer "{layer_name}"'


def _shape_of(x) -> tuple:
    return tuple(None if d is None else int(d) for d in x.shape)


def check_input(spec: InputSpec, x, index: int, layer_name: str) -> None:
    """Raises ``ValueError`` (Keras' wording) when ``x`` does not satisfy ``spec``."""
    if x is None:
        if spec.optional:
            return
        raise ValueError(f"{_prefix(index, spec, layer_name)} is required but received None.")
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(
            f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) as input "
            f"for layer '{layer_name}'."
        )
    ndim = len(x.shape)
    pre = _prefix(index, spec, layer_name)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(
            f"{pre} is incompatible with the layer: expected ndim={spec.ndim}, "
            f"found ndim={ndim}. Full shape received: {_shape_of(x)}"
        )
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(
            f"{pre} is incompatible with the layer: expected max_ndim={spec.max_ndim}, "
            f"found ndim={ndim}"
        )
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(
            f"{pre} is incompatible with the layer: expected min_ndim={spec.min_ndim}, "
            f"found ndim={ndim}. Full shape received: {_shape_of(x)}"
        )
    if spec.dtype is not None:
        dtype = x.dtype if isinstance(x.dtype, str) else config.standardize_dtype(x.dtype)
        if dtype != spec.dtype:
            raise ValueError(
                f"{pre} is incompatible with the layer: expected dtype={spec.dtype}, "
                f"found dtype={dtype}"
            )
    shape = x.shape
    for axis, value in spec._axes_items:
        if axis >= ndim or axis < -ndim:
            raise ValueError(
                f"{pre} is incompatible with the layer: expected axis {axis} of input shape "
                f"to have value {value}, but received input with shape {_shape_of(x)}"
            )
        dim = shape[axis]
        if dim is not None and dim != value:
            raise ValueError(
                f"{pre} is incompatible with the layer: expected axis {axis} of input shape "
                f"to have value {value}, but received input with shape {_shape_of(x)}"
            )
    if spec.shape is not None:
        spec_shape, got = spec.shape, _shape_of(x)
        if spec.allow_last_axis_squeeze:
            if got and got[-1] == 1:
                got = got[:-1]
            if spec_shape and spec_shape[-1] == 1:
                spec_shape = spec_shape[:-1]
        for spec_dim, dim in zip(spec_shape, got):
            if spec_dim is not None and dim is not None and spec_dim != dim:
                raise ValueError(
                    f"{pre} is incompatible with the layer: expected shape={spec.shape}, "
                    f"found shape={_shape_of(x)}"
                )


def check_inputs(input_spec, inputs, layer_name: str) -> None:
    """Checks one input or a list/tuple/dict of inputs against one spec or a list of specs."""
    if isinstance(input_spec, InputSpec):
        if isinstance(inputs, (list, tuple)) and not isinstance(inputs, torch.Size):
            if len(inputs) != 1:
                raise ValueError(
                    f'Layer "{layer_name}" expects 1 input(s), but it received '
                    f"{len(inputs)} input tensors. Inputs received: {inputs}"
                )
            inputs = inputs[0]
        check_input(input_spec, inputs, 0, layer_name)
        return
    specs = list(input_spec)
    if isinstance(inputs, dict):
        names = [s.name for s in specs]
        if all(names):
            for n in names:
                if n not in inputs:
                    raise ValueError(
                        f'Missing data for input "{n}". You passed a data dictionary with keys '
                        f"{list(inputs.keys())}. Expected the following keys: {names}"
                    )
            inputs = [inputs[n] for n in names]
        else:
            inputs = list(inputs.values())
    elif not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    if len(inputs) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(inputs)} input tensors. Inputs received: {inputs}"
        )
    for i, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is not None:
            check_input(spec, x, i, layer_name)
