"""``Lambda``: wraps a function as a layer.

A Python ``lambda`` is written to the config as Keras 3 writes it (its marshalled bytecode,
base64-encoded, under ``"class_name": "__lambda__"``), so the config is readable by Keras.
Loading such a config runs code taken from it, so ``from_config`` refuses it unless the
caller passes ``safe_mode=False``. Named functions are stored by name and looked up, never
loaded from code.
"""

from __future__ import annotations

import base64
import builtins
import inspect
import marshal
import types

import numpy as np
import torch

from kshim.layers.layer import Layer
from kshim.saving import serialization_lib


def _is_python_lambda(fn) -> bool:
    return isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>"


def _is_lambda_config(config) -> bool:
    return isinstance(config, dict) and config.get("class_name") == "__lambda__"


def _dump_lambda(fn) -> dict:
    """A Python lambda as Keras 3's ``__lambda__`` config."""
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return {
        "class_name": "__lambda__",
        "config": {"code": code, "defaults": fn.__defaults__, "closure": closure},
    }


def _load_lambda(config: dict):
    """Rebuilds a function from a ``__lambda__`` config. Runs code from the config: only
    reached with ``safe_mode=False``."""
    inner = config["config"]
    code = inner["code"]
    defaults = inner.get("defaults")
    closure = inner.get("closure")
    if isinstance(code, (list, tuple)):  # an older dump: (code, defaults, closure)
        code, defaults, closure = code
    try:
        raw = base64.decodebytes(code.encode("ascii"))
    except (UnicodeEncodeError, ValueError):
        raw = code.encode("raw_unicode_escape")
    code_obj = marshal.loads(raw)
    if defaults is not None:
        defaults = tuple(defaults)
    if closure is not None:
        closure = tuple(types.CellType(v) for v in closure)
    import kshim
    from kshim import ops

    # The names a lambda written for kshim or Keras usually refers to.
    globs = {"__builtins__": builtins, "torch": torch, "np": np, "kshim": kshim, "ops": ops}
    return types.FunctionType(code_obj, globs, code_obj.co_name, defaults, closure)


def _serialize_function(fn):
    if _is_python_lambda(fn):
        return _dump_lambda(fn)
    if callable(fn):
        return serialization_lib.serialize_keras_object(fn)
    raise ValueError(f"Invalid input type for serialization. Received: {fn} of type {type(fn)}.")


def _refuse_code(safe_mode: bool, what: str) -> None:
    if safe_mode:
        raise ValueError(
            f"Requested the deserialization of a `Lambda` layer whose `{what}` is a Python "
            "lambda. This carries a potential risk of arbitrary code execution and thus it is "
            "disallowed by default. If you trust the source of the config, you can override "
            "this error by passing `safe_mode=False`, e.g. "
            "`Lambda.from_config(config, safe_mode=False)`."
        )


def _arg_names(fn) -> tuple:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        return ()
    return tuple(
        p.name
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    )


class Lambda(Layer):
    """Wraps an arbitrary function ``function(inputs, **arguments)`` as a layer.

    Prefer a ``Layer`` subclass for anything with state or that must be saved portably:
    a Python ``lambda`` is saved as bytecode and can only be loaded back, with
    ``safe_mode=False``, by the same Python version.

    Args:
        function: The function; it receives the inputs first, and also ``mask`` and
            ``training`` if its signature names them.
        output_shape: The output shape without the batch axis (a tuple, or a nested
            structure of tuples), or a function of the full input shape. By default it
            is inferred by running ``function`` on ``meta`` tensors.
        mask: ``None`` (no mask), a function ``mask(inputs, previous_mask)``, or a
            tensor returned as the mask whatever the input.
        arguments: Extra keyword arguments passed to ``function``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Anything ``function`` accepts.

    Output shape:
        What ``function`` returns (``output_shape`` when given).

    >>> import torch
    >>> layer = Lambda(lambda x, power: x**power, arguments={"power": 2})
    >>> layer(torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 4., 9.])
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(
                "Argument `function` of Lambda must be callable. "
                f"Received: function={function!r} (of type {type(function).__name__})"
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(
                f"Argument `arguments` of Lambda must be a dict. Received: arguments={arguments!r}"
            )
        self.arguments = arguments or {}
        self.function = function
        self.supports_masking = mask is not None
        self.mask = mask
        self._output_shape = output_shape
        names = _arg_names(function)
        self._fn_expects_training_arg = "training" in names
        self._fn_expects_mask_arg = "mask" in names

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = _first_dim(input_shape)
        return _map_shapes(lambda s: (batch, *s), self._output_shape)

    def get_config(self):
        config = {"function": _serialize_function(self.function)}
        if self._output_shape is not None:
            if callable(self._output_shape):
                config["output_shape"] = _serialize_function(self._output_shape)
            else:
                config["output_shape"] = self._output_shape
        if self.mask is not None:
            if callable(self.mask):
                config["mask"] = _serialize_function(self.mask)
            else:
                config["mask"] = serialization_lib.serialize_keras_object(self.mask)
        config["arguments"] = serialization_lib.serialize_keras_object(self.arguments)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Creates the layer from ``get_config()``'s output.

        Args:
            config: The config.
            custom_objects: Optional dict of user functions and classes, by name.
            safe_mode: Python lambdas (stored as bytecode) are only loaded when this is
                ``False``; by default they raise ``ValueError``.
        """
        if safe_mode is None:  # the enclosing load's setting (safe unless turned off)
            safe_mode = serialization_lib.in_safe_mode()
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            if key not in config:
                continue
            value = config[key]
            if _is_lambda_config(value):
                _refuse_code(safe_mode, key)
                config[key] = _load_lambda(value)
            elif key == "function" or isinstance(value, dict):
                config[key] = serialization_lib.deserialize_keras_object(
                    value, custom_objects=custom_objects
                )
        shape = config.get("output_shape")
        if isinstance(shape, list) and all(d is None or isinstance(d, int) for d in shape):
            config["output_shape"] = tuple(shape)
        if "arguments" in config:
            config["arguments"] = serialization_lib.deserialize_keras_object(
                config["arguments"], custom_objects=custom_objects
            )
        return cls(**config)


def _is_shape(s) -> bool:
    return isinstance(s, (tuple, list)) and all(d is None or isinstance(d, int) for d in s)


def _first_dim(shape):
    while not _is_shape(shape):
        shape = next(iter(shape.values())) if isinstance(shape, dict) else shape[0]
    return shape[0] if shape else None


def _map_shapes(fn, structure):
    if _is_shape(structure):
        return fn(tuple(structure))
    if isinstance(structure, dict):
        return {k: _map_shapes(fn, v) for k, v in structure.items()}
    return type(structure)(_map_shapes(fn, v) for v in structure)
