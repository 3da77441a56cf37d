"""``Layer``: a Keras layer that is a ``torch.nn.Module``.

``layer(x)`` is torch's ``nn.Module.__call__`` (hooks keep working); ``forward`` runs the
Keras pipeline of DESIGN.md: convert inputs, build once, check the ``InputSpec``, resolve
``training``, call. The path for a built layer called on a tensor is kept to a handful of
attribute reads and comparisons: everything that can be worked out once (the ``call``
signature, the input checks) is worked out per class or per assignment, never per call.
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref

import numpy as np
import torch
from torch import nn

from kshim import constraints as constraints_mod
from kshim import dtype_policies
from kshim import initializers as initializers_mod
from kshim import regularizers as regularizers_mod
from kshim.backend import config, naming
from kshim.backend.variables import Variable, rewrap
from kshim.layers.input_spec import InputSpec, check_input, check_inputs

__all__ = ["Layer"]

_ALLOWED_INIT_KWARGS = ("input_dim", "input_shape", "batch_input_shape", "batch_size", "weights")


# Module-level aliases used on the hot path: under torch.compile, reading the ``torch``
# module from two modules' globals makes dynamo add a Python-level guard that the two
# are the same object, paid on every compiled call.
_Tensor = torch.Tensor


class _CallContext(threading.local):
    """Per-thread call state. A ``threading.local`` traces cleanly under ``torch.compile``
    (a ``ContextVar`` does not, see DESIGN.md)."""

    def __init__(self):
        # Set in each thread's own dict (not left to a class default): dynamo guards on
        # it, and a missing instance key fails guards made on the same frame.
        self.training = None  # the explicit ``training`` of an enclosing call, if any


_ctx = _CallContext()

# One lock per layer, kept outside the layer so layers stay picklable and deep-copyable.
_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _build_lock(layer) -> threading.RLock:
    lock = _locks.get(layer)
    if lock is None:
        with _locks_guard:
            lock = _locks.get(layer)
            if lock is None:
                lock = _locks[layer] = threading.RLock()
    return lock


_AUTOCAST_DEVICES = frozenset({"cpu", "cuda", "xpu", "mps", "hpu", "xla", "mtia"})


def _as_read(d, name, value):
    """A parameter read by its layer: cast to the compute dtype under a mixed policy."""
    cast = d["_read_dtype"]
    if (
        cast is not None
        and value is not None
        and value.dtype != cast
        and value.is_floating_point()
        and name not in d["_no_autocast"]  # add_weight(autocast=False)
    ):
        return value.to(cast)
    return value


def _autocasting(x) -> bool:
    """Inside ``torch.autocast`` torch picks op dtypes itself: inputs are left as they are."""
    device = x.device.type
    return device in _AUTOCAST_DEVICES and torch.is_autocast_enabled(device)


def _is_exporting() -> bool:
    fn = getattr(torch.compiler, "is_exporting", None)
    return bool(fn()) if fn is not None else False


try:  # torch's own probe for "a torch.compile'd region is running" (no public API)
    from torch._C._dynamo.eval_frame import get_eval_frame_callback as _eval_frame_callback
except ImportError:  # pragma: no cover - a torch without it: the check is skipped
    _eval_frame_callback = None


def _under_compiled_region() -> bool:
    """True while Python runs inside a ``torch.compile``d call without being traced: dynamo
    fell back to running a frame eagerly and compiles every function that frame calls, so
    a build there would be traced piecemeal and fail deep in torch."""
    if _eval_frame_callback is None:
        return False
    cb = _eval_frame_callback()
    return cb is not None and cb is not False


def _is_tensor(x) -> bool:
    return isinstance(x, torch.Tensor)


def _is_symbolic(x) -> bool:
    return getattr(x, "_kshim_symbolic", False)


def _tensorlike(x) -> bool:
    if _is_tensor(x) or _is_symbolic(x):
        return True
    return isinstance(x, (list, tuple)) and bool(x) and (_is_tensor(x[0]) or _is_symbolic(x[0]))


def _shape_of(x):
    """The Keras shape structure of an input: a tuple of ints (None for free dims)."""
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    if x is None:
        return None
    return tuple(x.shape)


def _first_device(x):
    if _is_tensor(x):
        return x.device
    if isinstance(x, (list, tuple)):
        for v in x:
            d = _first_device(v)
            if d is not None:
                return d
    if isinstance(x, dict):
        return _first_device(list(x.values()))
    return None


def _has_symbolic(x) -> bool:
    if _is_symbolic(x):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(_has_symbolic(v) for v in x.values())
    return False


def _convert_numpy(x):
    """numpy arrays become tensors (float64 becomes floatx, as in Keras)."""
    if not x.flags.writeable:
        x = x.copy()
    t = torch.from_numpy(x)
    if t.dtype == torch.float64:
        t = t.to(config.to_torch_dtype(config.floatx()))
    return t


def _convert_structure(x):
    if isinstance(x, np.ndarray):
        return _convert_numpy(x)
    if isinstance(x, list):
        return [_convert_structure(v) for v in x]
    if isinstance(x, tuple):
        return tuple(_convert_structure(v) for v in x)
    if isinstance(x, dict):
        return {k: _convert_structure(v) for k, v in x.items()}
    if isinstance(x, np.generic):
        return _convert_numpy(np.asarray(x))
    return x


def _convert_first_input(layer, x):
    """Converts the ``inputs`` argument: numpy, Python scalars and (nested) lists of numbers."""
    if isinstance(x, (list, tuple)) and x and all(_is_tensor(v) or v is None for v in x):
        return type(x)(x)
    if isinstance(x, (bool, int, float, complex)) or (
        isinstance(x, (list, tuple)) and _is_number_list(x)
    ):
        arr = np.asarray(x)
        return _convert_numpy(arr)
    if isinstance(x, (np.ndarray, np.generic, list, tuple, dict)):
        return _convert_structure(x)
    if x is None:
        return x
    raise TypeError(
        f'Layer "{layer.name}" ({type(layer).__name__}) expects its `inputs` argument to be '
        f"a tensor, a numpy array, a Python number or a (nested) list of these. "
        f"Received: inputs={x!r} (of type {type(x).__name__})"
    )


def _is_number_list(x) -> bool:
    for v in x:
        if isinstance(v, (list, tuple)):
            if not _is_number_list(v):
                return False
        elif not isinstance(v, (bool, int, float)):
            return False
    return True


def _tensor_sequence(x) -> bool:
    """A list or tuple of tensors (merge layers' inputs): no conversion needed."""
    if type(x) is not list and type(x) is not tuple or not x:
        return False
    for v in x:
        if not isinstance(v, torch.Tensor):
            return False
    return True


def _needs_autocast(x, dtype) -> bool:
    if isinstance(x, torch.Tensor):
        return x.dtype != dtype and x.is_floating_point() and not _autocasting(x)
    if type(x) is list or type(x) is tuple:
        for v in x:
            if _needs_autocast(v, dtype):
                return True
        return False
    if isinstance(x, dict):
        return any(_needs_autocast(v, dtype) for v in x.values())
    return False


def _autocast(x, dtype):
    if _is_tensor(x):
        if x.dtype != dtype and x.is_floating_point():
            return x.to(dtype)
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_autocast(v, dtype) for v in x)
    if isinstance(x, dict):
        return {k: _autocast(v, dtype) for k, v in x.items()}
    return x


class _Holder(nn.Module):
    """Registers the layers kept in a list, tuple or dict attribute as torch children.

    The attribute itself stays the user's plain container (``self.blocks`` is still a list);
    the holder only makes its layers visible to ``state_dict``, ``.to()``, hooks and
    ``named_modules()`` under ``blocks.0``, ``blocks.1``, ...
    """

    def forward(self, *args, **kwargs):
        raise TypeError("A container of layers is not callable; call its layers.")


def _contains_module(value, depth: int = 0) -> bool:
    if depth > 8:
        return False
    items = value.values() if isinstance(value, dict) else value
    for v in items:
        if isinstance(v, nn.Module):
            return True
        if isinstance(v, (list, tuple, dict)) and _contains_module(v, depth + 1):
            return True
    return False


def _fill_holder(holder: _Holder, value, seen: set) -> None:
    holder._modules.clear()
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, v in items:
        key = str(key).replace(".", "_")
        if isinstance(v, nn.Module):
            if id(v) not in seen:
                seen.add(id(v))
                holder._modules[key] = v
        elif isinstance(v, (list, tuple, dict)) and _contains_module(v):
            sub = _Holder()
            _fill_holder(sub, v, seen)
            holder._modules[key] = sub


def _signature_info(fn):
    params = list(inspect.signature(fn).parameters.values())[1:]  # drop self
    names = [p.name for p in params]
    var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    positional = [
        p.name
        for p in params
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return names, positional, var_kw


def _wrap_build(fn):
    """Makes a subclass' ``build`` a transaction that sets ``built`` when it succeeds."""

    @functools.wraps(fn)
    def build(self, *args, **kwargs):
        with _build_lock(self):
            if self._in_build:  # ``super().build(...)`` from inside a subclass' build
                return fn(self, *args, **kwargs)
            snapshot = _snapshot_tree(self)
            self._in_build = True
            try:
                fn(self, *args, **kwargs)
            except BaseException:
                _rollback_tree(snapshot)
                raise
            finally:
                self._in_build = False
            self._build_shapes = (args, kwargs)
            self._sync_holders()
            self.built = True

    build._kshim_wrapped = True
    return build


def _snapshot_tree(layer):
    """What each not-yet-built layer of the tree holds now, to undo a failed build."""
    snaps = []
    for m in layer.modules():
        if isinstance(m, Layer) and (m is layer or not m.built):
            snaps.append(
                (
                    m,
                    set(m._parameters),
                    set(m._buffers),
                    set(m._modules),
                    set(m.__dict__),
                    list(m._tw_keys),
                    list(m._ntw_keys),
                    m.built,
                )
            )
    return snaps


def _rollback_tree(snaps) -> None:
    for m, params, buffers, modules, attrs, tw, ntw, built in snaps:
        for k in [k for k in m._parameters if k not in params]:
            del m._parameters[k]
        for k in [k for k in m._buffers if k not in buffers]:
            del m._buffers[k]
            m._non_persistent_buffers_set.discard(k)
        for k in [k for k in m._modules if k not in modules]:
            del m._modules[k]
        for k in [k for k in m.__dict__ if k not in attrs]:
            del m.__dict__[k]
        m._tw_keys[:] = tw
        m._ntw_keys[:] = ntw
        m._unbound.clear()
        object.__setattr__(m, "built", built)


# nn.Module's own bookkeeping attributes: never scanned for layers.
_TORCH_INTERNALS = frozenset(nn.Module().__dict__)


class _LayerMeta(type):
    """Runs Keras' after-``__init__`` steps: check ``super().__init__()`` was called, record
    the constructor arguments for ``get_config``, register layers kept in containers, and
    mark weightless layers without a ``build`` as built."""

    def __call__(cls, *args, **kwargs):
        self = super().__call__(*args, **kwargs)
        if not self.__dict__.get("_kshim_init_called", False):
            raise RuntimeError(
                f"In layer '{cls.__name__}', you forgot to call `super().__init__()` as the "
                "first statement in the `__init__()` method. Go add it!"
            )
        self._record_auto_config(args, kwargs)
        self._sync_holders(drop_empty=True)
        if not self.built and not getattr(type(self).build, "_kshim_wrapped", False):
            if all(m.built for m in self.modules() if isinstance(m, Layer) and m is not self):
                object.__setattr__(self, "built", True)
        return self


class Layer(nn.Module, metaclass=_LayerMeta):
    """The base class of every layer: a Keras layer and a ``torch.nn.Module`` at once.

    Subclass it as in Keras: store configuration in ``__init__``, create weights with
    ``add_weight`` in ``build(input_shape)``, compute in ``call``. Calling the layer builds
    it once, on the input's device, then calls it.

    Args:
        activity_regularizer: Regularizer applied to the layer's outputs; its penalty is
            added to ``layer.losses`` after each call.
        trainable: Whether the layer's weights are trained (``requires_grad``).
        dtype: A dtype policy or dtype name (``"float32"``, ``"mixed_bfloat16"``, ...).
        autocast: Whether floating inputs are cast to the layer's compute dtype.
        name: The layer's name; by default the snake-cased class name, made unique
            (``dense``, ``dense_1``, ...).

    >>> import torch, kshim
    >>> class SimpleDense(kshim.layers.Layer):
    ...     def __init__(self, units=32):
    ...         super().__init__()
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1], self.units),
    ...                                  initializer="random_normal")
    ...         self.b = self.add_weight(shape=(self.units,), initializer="zeros")
    ...     def call(self, inputs):
    ...         return torch.matmul(inputs, self.w) + self.b
    >>> layer = SimpleDense(4)
    >>> layer(torch.ones((2, 2))).shape
    torch.Size([2, 4])
    >>> list(layer.state_dict())
    ['w', 'b']
    """

    # Worked out once per class in ``__init_subclass__``.
    # Layers whose math needs float inputs (Dense, convolutions) set this: integer and bool
    # inputs are then cast to the compute dtype, as Keras' ops promote them.
    _promote_inputs = False
    # Container attributes that a subclass registers itself (models' layer lists).
    _untracked_attrs: frozenset = frozenset()
    _call_has_training = False
    _training_pos = 1 << 30
    _call_has_mask = False
    _call_params: tuple = ()
    _call_arg_masks: dict = {}
    _build_params: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_kshim_wrapped", False):
            cls.build = _wrap_build(build)
        if "call" in cls.__dict__:
            names, positional, var_kw = _signature_info(cls.__dict__["call"])
            cls._call_params = tuple(positional)
            cls._call_has_training = "training" in names
            # ``layer(x, True)``: training given by position (index in the call's args).
            cls._training_pos = (
                positional.index("training") if "training" in positional else 1 << 30
            )
            cls._call_has_mask = "mask" in names
            # Keras fills ``<arg>_mask`` (``query_mask``, ``value_mask``...) from the mask
            # of the tensor passed as ``<arg>``: {arg name: mask parameter name}.
            cls._call_arg_masks = {
                n[: -len("_mask")]: n
                for n in names
                if n.endswith("_mask") and n[: -len("_mask")] in names
            }
            cls._call_var_kw = var_kw
        if build is not None:
            cls._build_params = tuple(_signature_info(build)[1])

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        # Torch and Keras state exist before the subclass' ``__init__`` runs, so a Keras
        # user may set attributes before calling ``super().__init__()``.
        nn.Module.__init__(self)
        s = object.__setattr__
        s(self, "training", False)  # layers start in inference mode, as in Keras
        s(self, "built", False)
        s(self, "_in_build", False)
        s(self, "_tw_keys", [])  # own weights created trainable, creation order
        s(self, "_ntw_keys", [])  # own weights created non-trainable, creation order
        s(self, "_unbound", {})  # id(weight) -> key, for weights not yet on an attribute
        s(self, "_losses", [])
        # A plain flag, read on every call instead of the list: under torch.compile,
        # testing a list of (non-leaf) loss tensors makes dynamo inspect them.
        s(self, "_has_losses", False)
        s(self, "_input_spec", None)
        s(self, "_spec_single", None)
        s(self, "_trainable", True)
        s(self, "_autocast_dtype", None)
        s(self, "_build_shapes", None)
        s(self, "_auto_config", None)
        s(self, "_kshim_init_called", False)
        s(self, "_dtype_policy", dtype_policies.get(None))
        s(self, "_read_dtype", None)
        s(self, "_no_autocast", set())  # weight keys made with add_weight(autocast=False)
        s(self, "name", None)
        s(self, "_name_base", None)
        return self

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable=True,
        dtype=None,
        autocast=True,
        name=None,
        **kwargs,
    ):
        unknown = {k: v for k, v in kwargs.items() if k not in _ALLOWED_INIT_KWARGS}
        if unknown:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {unknown}"
            )
        if not isinstance(trainable, bool):
            raise ValueError(
                f"Expected `trainable` to be a boolean. Received: trainable={trainable} "
                f"(of type {type(trainable)})"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f"Argument `name` of {type(self).__name__} must be a string. "
                f"Received: name={name!r} (of type {type(name).__name__})"
            )
        s = object.__setattr__
        s(self, "name", name or naming.auto_name(type(self).__name__))
        # Auto-named layers are keyed in a model by this base made unique within the model,
        # so twins built by the same code share their state_dict keys (see models/).
        s(self, "_name_base", None if name else naming.to_snake_case(type(self).__name__))
        s(self, "_trainable", trainable)
        self.dtype_policy = dtype
        self.autocast = bool(autocast)
        s(self, "activity_regularizer", regularizers_mod.get(activity_regularizer))
        input_shape = kwargs.get("input_shape")
        if kwargs.get("input_dim") is not None:
            input_shape = (kwargs["input_dim"],)
        batch_input_shape = kwargs.get("batch_input_shape")
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (kwargs.get("batch_size"), *tuple(input_shape))
        s(
            self,
            "_batch_input_shape",
            None if batch_input_shape is None else tuple(batch_input_shape),
        )
        s(self, "_initial_weights", kwargs.get("weights"))
        s(self, "_kshim_init_called", True)

    # ------------------------------------------------------------------ attributes

    def __getattr__(self, name):
        # Only reached for names not in the instance dict: parameters, buffers, modules.
        # Under a mixed policy (compute dtype != variable dtype) a float parameter read is
        # cast to the compute dtype, as Keras autocasts variables; gradients flow back to
        # the float32 parameter. Buffers (running statistics) are returned as they are.
        d = self.__dict__
        params = d.get("_parameters")
        if params is not None and name in params:
            return _as_read(d, name, params[name])
        modules = d.get("_modules")
        if modules is not None and name in modules:  # sub-layers: spare the call to torch's
            return modules[name]
        return super().__getattr__(name)

    def _weight(self, name):
        """``self.<name>`` as ``call`` should see it (mixed-precision cast included), without
        ``nn.Module.__getattr__``: that costs about 0.5 us a read, as much as the rest of a
        small layer's Python work. For hot ``call`` methods."""
        d = self.__dict__
        value = d["_parameters"].get(name)
        if value is None:
            return getattr(self, name)  # a buffer, a module, or ``None`` (no bias)
        if d["_read_dtype"] is None:  # no mixed policy: spares torch.compile a call to trace
            return value
        return _as_read(d, name, value)

    def __setattr__(self, name, value):
        d = self.__dict__
        unbound = d.get("_unbound")
        if unbound and isinstance(value, Variable) and id(value) in unbound:
            self._bind_weight(name, value)
            return
        modules = d.get("_modules")
        if modules is not None:
            old = modules.get(name)
            if isinstance(value, (list, tuple, dict)) and not isinstance(value, torch.Size):
                if old is not None:
                    del modules[name]
                object.__setattr__(self, name, value)
                # An empty container may be filled later: keep its place among the
                # children so weights keep Keras' tracking order.
                if (not value and not isinstance(value, tuple)) or _contains_module(value):
                    modules[name] = _Holder()
                    self._sync_holders()
                return
            if isinstance(old, _Holder):
                del modules[name]
            if isinstance(value, nn.Module) and self._in_any_holder(value):
                super().__setattr__(name, value)
                self._sync_holders()
                return
        super().__setattr__(name, value)

    def __delattr__(self, name):
        modules = self.__dict__.get("_modules", {})
        if isinstance(modules.get(name), _Holder):
            del modules[name]
            object.__delattr__(self, name)
            return
        for keys in (self._tw_keys, self._ntw_keys):
            if name in keys:
                keys.remove(name)
        super().__delattr__(name)

    def _in_any_holder(self, module) -> bool:
        return any(
            isinstance(h, _Holder) and any(m is module for m in h.modules())
            for h in self._modules.values()
        )

    def _sync_holders(self, drop_empty: bool = False) -> None:
        """Re-registers the layers held in container attributes (each module once).

        Containers that gained layers since they were assigned (``self.blocks = []``,
        then ``append`` in ``__init__`` or ``build``) get a holder here."""
        modules = self._modules
        skip = _TORCH_INTERNALS | type(self)._untracked_attrs
        for key, value in self.__dict__.items():
            if (
                key not in modules
                and key not in skip
                and isinstance(value, (list, tuple, dict))
                and not isinstance(value, torch.Size)
                and value
                and _contains_module(value)
            ):
                modules[key] = _Holder()
        holders = [k for k, m in modules.items() if isinstance(m, _Holder)]
        if not holders:
            return
        seen = {id(m) for k, m in modules.items() if not isinstance(m, _Holder)}
        for key in holders:
            value = self.__dict__.get(key)
            if not isinstance(value, (list, tuple, dict)):
                del modules[key]
                continue
            _fill_holder(modules[key], value, seen)
            if drop_empty and not modules[key]._modules:
                del modules[key]

    def _bind_weight(self, name: str, var: Variable) -> None:
        """Moves a weight from its creation key to the attribute it is stored in."""
        key = self._unbound.pop(id(var))
        if key == name:
            return
        store = self._parameters if key in self._parameters else self._buffers
        del store[key]
        # The attribute name may be the creation key of another unbound weight: re-key it.
        for other_id, other_key in list(self._unbound.items()):
            if other_key == name:
                new_key = self._free_key(name)
                other_store = self._parameters if name in self._parameters else self._buffers
                other_store[new_key] = other_store.pop(name)
                self._unbound[other_id] = new_key
                self._rename_key(name, new_key)
        self._parameters.pop(name, None)
        self._buffers.pop(name, None)
        self._modules.pop(name, None)
        self.__dict__.pop(name, None)
        store[name] = var
        self._rename_key(key, name)

    def _rename_key(self, old: str, new: str) -> None:
        if old in self._no_autocast:
            self._no_autocast.discard(old)
            self._no_autocast.add(new)
        for keys in (self._tw_keys, self._ntw_keys):
            for i, k in enumerate(keys):
                if k == old:
                    keys[i] = new

    def _free_key(self, base: str) -> str:
        base = base.replace(".", "_").replace("/", "_") or "variable"
        taken = (self._parameters, self._buffers, self._modules, self.__dict__)
        key, n = base, 0
        while any(key in t for t in taken) or hasattr(type(self), key):
            n += 1
            key = f"{base}_{n}"
        return key

    # ------------------------------------------------------------------ weights

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
    ) -> Variable:
        """Creates a weight: an ``nn.Parameter`` (a ``kshim.Variable``) on this layer.

        Args:
            shape: Tuple of non-negative ints (``()`` for a scalar).
            initializer: Initializer name or object; ``"glorot_uniform"`` for floats and
                ``"zeros"`` for other dtypes by default.
            dtype: Weight dtype; the layer's variable dtype by default.
            trainable: ``True`` makes a parameter; ``False`` a buffer (saved in
                ``state_dict``, broadcast by DDP, no gradient).
            autocast: ``False`` keeps the weight in its own dtype when a mixed-precision
                layer reads it (Keras' flag; BatchNormalization statistics use it).
            regularizer: Regularizer whose penalty ``layer.losses`` includes.
            constraint: Constraint stored on the weight (``weight.constraint``).
            aggregation: Kept for Keras compatibility.
            overwrite_with_gradient: Kept for Keras compatibility.
            name: The weight's Keras name; it is also its ``state_dict`` key until the
                weight is stored on an attribute, whose name then becomes the key.

        Returns:
            The new ``kshim.Variable``.
        """
        if isinstance(shape, str):  # tf.keras' add_weight(name, shape, ...) order
            shape, name = initializer, shape
            initializer = None
        if shape is None:
            shape = ()
        if isinstance(shape, int):
            shape = (shape,)
        if not isinstance(shape, (tuple, list, torch.Size)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            raise ValueError(
                f'Layer "{self.name}": argument `shape` of `add_weight` must be a tuple of '
                f"non-negative integers (fully defined). Received: shape={shape!r}"
            )
        shape = tuple(int(d) for d in shape)
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f'Layer "{self.name}": argument `name` of `add_weight` must be a string. '
                f"Received: name={name!r}"
            )
        dtype = config.standardize_dtype(dtype) if dtype is not None else self.variable_dtype
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        init = initializers_mod.get(initializer)
        reg = regularizers_mod.get(regularizer)
        cons = constraints_mod.get(constraint)
        with torch.no_grad():
            value = init(shape, dtype=dtype)
        if not _is_tensor(value):
            value = torch.as_tensor(value, dtype=config.to_torch_dtype(dtype))
        if tuple(value.shape) != shape:
            raise ValueError(
                f'Layer "{self.name}": initializer {initializer!r} returned shape '
                f"{tuple(value.shape)} for a weight of shape {shape}"
            )
        value = value.to(config.to_torch_dtype(dtype))
        wname = name or "variable"
        var = Variable(value, trainable=bool(trainable), name=wname)
        var._kpath = f"{self.name}/{wname}"
        var.regularizer = reg
        var.constraint = cons
        if not autocast:
            var._kautocast = False
        key = self._free_key(wname)
        if var.requires_grad:
            self._parameters[key] = var
        else:
            self._buffers[key] = var
        (self._tw_keys if trainable else self._ntw_keys).append(key)
        if not autocast:
            self._no_autocast.add(key)
        self._unbound[id(var)] = key
        if not self._trainable:
            var.trainable = False
            var._ktrainable = bool(trainable)
            var.requires_grad_(False)
        return var

    add_variable = add_weight

    def _own_weight(self, key):
        w = self._parameters.get(key)
        return w if w is not None else self._buffers.get(key)

    def _own_weights(self) -> list:
        return [w for w in map(self._own_weight, self._tw_keys + self._ntw_keys) if w is not None]

    def _apply(self, fn, recurse=True):
        # ``.to()``/``.half()`` replace buffers with plain tensors: keep them Variables.
        before = {k: v for k, v in self._buffers.items() if isinstance(v, Variable)}
        result = super()._apply(fn, recurse)
        for k, old in before.items():
            new = self._buffers.get(k)
            if new is not None and not isinstance(new, Variable):
                self._buffers[k] = rewrap(new, old)
        # ``.double()``/``.half()``/``.to(dtype)``: the layer now computes in that dtype,
        # as a torch module would. Two empty probes tell whether ``fn`` forces a float dtype.
        p32, p64 = fn(torch.empty(0)), fn(torch.empty(0, dtype=torch.float64))
        if p32.dtype == p64.dtype and p32.is_floating_point():
            name = config.standardize_dtype(p32.dtype)
            if name != self.variable_dtype:
                self.dtype_policy = name
        return result

    @property
    def weights(self) -> list:
        """All weights, in Keras' order: own trainable, own non-trainable, then sub-layers'."""
        out, seen = [], set()
        self._collect_weights(out, seen)
        return out

    def _collect_weights(self, out: list, seen: set) -> None:
        for w in self._own_weights():
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for m in self._modules.values():
            _collect_child_weights(m, out, seen)

    @property
    def variables(self) -> list:
        return self.weights

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        return [w for w in self.weights if _weight_trainable(w)]

    @property
    def non_trainable_weights(self) -> list:
        if not self.trainable:
            return self.weights
        return [w for w in self.weights if not _weight_trainable(w)]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        for m in self.modules():
            if isinstance(m, Layer):
                object.__setattr__(m, "_trainable", value)
                for key in m._tw_keys:
                    w = m._own_weight(key)
                    if w is not None and (w.is_floating_point() or w.is_complex()):
                        w.requires_grad_(value)
            elif not isinstance(m, _Holder):
                for p in m.parameters(recurse=False):
                    p.requires_grad_(value)

    def get_weights(self) -> list:
        """The weights as numpy arrays, in ``weights`` order and Keras' layouts."""
        return [w.detach().cpu().numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Sets ``weights`` from numpy arrays; checks every count and shape first."""
        targets = self.weights
        if not isinstance(weights, (list, tuple)):
            raise TypeError(
                f"You called `set_weights(weights)` on layer '{self.name}' with "
                f"weights of type {type(weights).__name__}; expected a list of arrays."
            )
        if len(targets) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight "
                f"list of length {len(weights)}, but the layer was expecting "
                f"{len(targets)} weights."
            )
        values = []
        for w, v in zip(targets, weights):
            if _is_tensor(v):
                v = v.detach()
            else:
                v = np.asarray(v)
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(w.shape)} is not compatible "
                    f"with provided weight shape {tuple(v.shape)}."
                )
            values.append(v)
        with torch.no_grad():
            converted = [
                (v if _is_tensor(v) else torch.from_numpy(np.array(v))).to(
                    device=w.device, dtype=w.dtype
                )
                for w, v in zip(targets, values)
            ]
            for w, v in zip(targets, converted):
                w.copy_(v)

    # ------------------------------------------------------------------ losses

    def add_loss(self, loss) -> None:
        """Adds a loss tensor (for example an activity penalty) to ``layer.losses``."""
        self._losses.append(loss)
        self._has_losses = True

    @property
    def losses(self) -> list:
        """Losses added in each layer's most recent call, then weight regularization."""
        out = []
        for m in self.modules():
            if isinstance(m, Layer):
                out.extend(m._losses)
        for m in self.modules():
            if isinstance(m, Layer) and m.trainable:
                for w in m._own_weights():
                    reg = getattr(w, "regularizer", None)
                    if reg is not None and _weight_trainable(w):
                        out.append(reg(w))
        return out

    # ------------------------------------------------------------------ dtype

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        policy = dtype_policies.get(value)
        object.__setattr__(self, "_dtype_policy", policy)
        object.__setattr__(
            self, "_compute_torch_dtype", config.to_torch_dtype(policy.compute_dtype)
        )
        mixed = policy.compute_dtype != policy.variable_dtype
        object.__setattr__(self, "_read_dtype", self._compute_torch_dtype if mixed else None)
        self._refresh_autocast()

    def _refresh_autocast(self) -> None:
        dtype = self._compute_torch_dtype if self.autocast else None
        object.__setattr__(self, "_autocast_dtype", dtype)

    @property
    def autocast(self) -> bool:
        return self.__dict__.get("_autocast_flag", True)

    @autocast.setter
    def autocast(self, value: bool) -> None:
        object.__setattr__(self, "_autocast_flag", bool(value))
        object.__setattr__(self, "_autocast_dtype", self._compute_torch_dtype if value else None)

    @property
    def dtype(self) -> str:
        """The dtype weights are created in (Keras' ``layer.dtype``)."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self) -> str:
        return self._dtype_policy.compute_dtype

    # ------------------------------------------------------------------ input spec

    @property
    def input_spec(self):
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value) -> None:
        if value is not None and not isinstance(value, InputSpec):
            value = list(value)
            for v in value:
                if v is not None and not isinstance(v, InputSpec):
                    raise TypeError(
                        f'Layer "{self.name}": `input_spec` must be an InputSpec or a list of '
                        f"them. Received: {value!r}"
                    )
        object.__setattr__(self, "_input_spec", value)
        object.__setattr__(self, "_spec_single", value if isinstance(value, InputSpec) else None)

    # ------------------------------------------------------------------ the call path

    def forward(self, *args, **kwargs):
        # The hot path (a built layer called on a tensor) is written out flat: every
        # function call or attribute read here is paid on every call of every layer.
        x = args[0] if args else None
        if not isinstance(x, _Tensor) and not _tensor_sequence(x):
            args, kwargs, symbolic = self._convert_args(args, kwargs)
            if symbolic:
                return self._symbolic_call(args, kwargs)
            x = args[0]
        # As Keras: the input spec is checked before the first build too, so a wrong input
        # raises its clear error and leaves the layer unbuilt.
        spec = self._spec_single
        if spec is not None:
            if not isinstance(x, _Tensor):
                check_inputs(spec, x, self.name)
            elif not spec._fast_ok(x):
                check_input(spec, x, 0, self.name)
        elif self._input_spec is not None:
            check_inputs(self._input_spec, x, self.name)
        if not self.built:
            self._maybe_build(args, kwargs)
            spec = self._spec_single  # ``build`` may have narrowed the spec
            if spec is not None and isinstance(x, _Tensor) and not spec._fast_ok(x):
                check_input(spec, x, 0, self.name)
            elif spec is None and self._input_spec is not None:
                check_inputs(self._input_spec, x, self.name)
        cdt = self._autocast_dtype
        if cdt is not None:
            if not isinstance(x, _Tensor):
                if _needs_autocast(x, cdt):
                    args = (_autocast(x, cdt), *args[1:])
            elif x.dtype != cdt:
                if x.is_floating_point():
                    if not _autocasting(x):
                        args = (x.to(cdt), *args[1:])
                elif self._promote_inputs:  # int/bool into Dense, Conv...: Keras computes in float
                    args = (x.to(cdt), *args[1:])
        if self._has_losses:
            self._losses.clear()
            self._has_losses = False
        training = kwargs.get("training") if kwargs else None
        if training is None and len(args) > 1 and len(args) > self._training_pos:
            training = args[self._training_pos]
            if training is not None:
                kwargs["training"] = training
                args = args[: self._training_pos] + args[self._training_pos + 1 :]
        if training is None:
            if self._call_has_training:
                inherited = _ctx.training
                kwargs["training"] = self.training if inherited is None else inherited
            elif kwargs and "training" in kwargs:
                del kwargs["training"]
            outputs = self.call(*args, **kwargs)
        else:
            if not self._call_has_training:
                del kwargs["training"]
            previous = _ctx.training
            _ctx.training = bool(training)
            try:
                outputs = self.call(*args, **kwargs)
            finally:
                _ctx.training = previous
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def _add_activity_loss(self, outputs) -> None:
        flat = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        for out in flat:
            if _is_tensor(out):
                loss = self.activity_regularizer(out)
                if out.dim() > 0 and out.shape[0] > 0:
                    # As Keras: divided by the batch size, so the strength does not
                    # depend on it (a zero batch leaves the loss unscaled: no NaN).
                    loss = loss / out.shape[0]
                self.add_loss(loss)

    def _convert_args(self, args, kwargs):
        """The slow path: non-tensor inputs (numpy, lists, symbolic KerasTensors)."""
        if not args:
            if self._call_params and self._call_params[0] in kwargs:
                first = self._call_params[0]
                kwargs = dict(kwargs)
                args = (kwargs.pop(first),)
            else:
                raise TypeError(
                    f'Layer "{self.name}" ({type(self).__name__}) was called without its '
                    f"`inputs` argument. Received: args=(), kwargs={sorted(kwargs)}"
                )
        if _has_symbolic(args) or _has_symbolic(kwargs):
            return args, kwargs, True
        args = (_convert_first_input(self, args[0]),) + tuple(
            _convert_structure(a) for a in args[1:]
        )
        kwargs = {k: _convert_structure(v) for k, v in kwargs.items()}
        return args, kwargs, False

    def _symbolic_call(self, args, kwargs):
        from kshim.models.symbolic import symbolic_call

        return symbolic_call(self, args, kwargs)

    def call(self, *args, **kwargs):
        """The layer's computation. Subclasses override it."""
        raise TypeError(f"Layer {type(self).__name__} does not have a `call()` method implemented.")

    def _maybe_build(self, args, kwargs) -> None:
        if torch.compiler.is_compiling() or _is_exporting() or _under_compiled_region():
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is not built, and layers cannot '
                "be built while torch traces them (torch.compile / torch.export): weights "
                "must exist first. Build it eagerly before compiling or exporting: call it "
                f"once on a real input (`{self.name}(x)`), or `build(input_shape)`."
            )
        with _build_lock(self):
            if self.built:
                return
            shapes = self._build_shapes_for(args, kwargs)
            device = _first_device(args) or _first_device(kwargs)
            if self._build_params and len(self._build_params) > 1:
                build_call = functools.partial(self.build, **shapes)
            elif not self._build_params and getattr(type(self).build, "_kshim_wrapped", False):
                build_call = self.build  # ``def build(self)``
            else:
                first = next(iter(shapes.values()), None)
                build_call = functools.partial(self.build, first)
            if device is not None:
                with torch.device(device):
                    build_call()
            else:
                build_call()
            if self._build_shapes is None:  # as Keras, for get_build_config()
                first = next(iter(shapes.values()), None)
                multi = self._build_params and len(self._build_params) > 1
                object.__setattr__(
                    self, "_build_shapes", (((), shapes) if multi else ((first,), {}))
                )
            object.__setattr__(self, "built", True)

    def _build_shapes_for(self, args, kwargs) -> dict:
        """``{"<arg>_shape": shape}`` for the tensor arguments of a call, first one first."""
        shapes = {}
        params = self._call_params
        for i, a in enumerate(args):
            if i == 0 or _tensorlike(a):
                pname = params[i] if i < len(params) else f"arg{i}"
                shapes[f"{pname}_shape"] = _shape_of(a)
        for k, v in kwargs.items():
            if k not in ("training", "mask") and _tensorlike(v):
                shapes[f"{k}_shape"] = _shape_of(v)
        if self._build_params and len(self._build_params) > 1:
            return {p: shapes.get(p) for p in self._build_params}
        return shapes

    def build(self, input_shape=None) -> None:
        """Creates the layer's weights. Subclasses that have weights override it."""
        object.__setattr__(self, "built", True)

    def compute_output_shape(self, *args, **kwargs):
        """The output shape for an input shape, worked out by running ``call`` on ``meta``
        tensors (``None`` dimensions stay ``None``)."""
        from kshim.models.symbolic import infer_output_shape

        return infer_output_shape(self, *args, **kwargs)

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask if getattr(self, "supports_masking", False) else None

    # ------------------------------------------------------------------ config

    def _record_auto_config(self, args, kwargs) -> None:
        init = type(self).__init__
        if init is Layer.__init__:
            return
        try:
            bound = inspect.signature(init).bind(self, *args, **kwargs)
        except TypeError:
            return
        config = {}
        for pname, value in list(bound.arguments.items())[1:]:
            param = inspect.signature(init).parameters[pname]
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                return
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                config.update(value)
            else:
                config[pname] = value
        if all(_is_plain(v) for v in config.values()):
            object.__setattr__(self, "_auto_config", config)

    def get_config(self) -> dict:
        """The layer's constructor arguments, as Keras 3 writes them."""
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policies.serialize(self.dtype_policy),
        }
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_mod.serialize(self.activity_regularizer)
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        if type(self).get_config is Layer.get_config and type(self).__init__ is not Layer.__init__:
            if self._auto_config is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} was created with arguments that cannot be "
                    "serialized automatically. Override `get_config()` (and `from_config()` "
                    "if needed) to make it serializable."
                )
            params = inspect.signature(type(self).__init__).parameters
            takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
            if not takes_kwargs:
                config = {k: v for k, v in config.items() if k in params}
            config.update(self._auto_config)
        return config

    @classmethod
    def from_config(cls, config: dict):
        """Creates a layer from ``get_config()``'s output."""
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config expects a dict. Received: {config!r}")
        return cls(**config)

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        args, kwargs = self._build_shapes
        if args and not kwargs:
            return {"input_shape": args[0]}
        return {"shapes_dict": dict(kwargs)}

    def build_from_config(self, config) -> None:
        if not config:
            return
        if "input_shape" in config:
            self.build(config["input_shape"])
        elif "shapes_dict" in config:
            self.build(**config["shapes_dict"])

    def compile(self, *args, **kwargs):
        """``torch.nn.Module.compile`` (in place), after checking the layer is built:
        weights must exist before torch traces the layer."""
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is not built, so it cannot be '
                f"compiled yet: call it once on a real input (`{self.name}(x)`) or call "
                "`build(input_shape)` first."
            )
        return super().compile(*args, **kwargs)

    # ------------------------------------------------------------------ files

    def save_weights(self, filepath, overwrite=True) -> None:
        """Writes the weights: Keras 3's ``.weights.h5`` layout, legacy ``.h5``, or
        ``.safetensors`` (keyed like ``state_dict``), by the file's extension."""
        from kshim.saving import weights_io

        weights_io.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        """Reads weights written by ``save_weights`` or by Keras; checks everything before
        it writes any weight, so a failed load leaves the layer unchanged."""
        from kshim.saving import weights_io

        weights_io.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer "
                "isn't built. You can build it manually via: "
                f"`{self.name}.build(input_shape)`."
            )
        return int(sum(w.numel() for w in self.weights))

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _weight_trainable(w) -> bool:
    if isinstance(w, Variable):
        return w.trainable and w.requires_grad
    return bool(getattr(w, "requires_grad", False))


def _collect_child_weights(m, out: list, seen: set) -> None:
    if isinstance(m, Layer):
        m._collect_weights(out, seen)
        return
    if isinstance(m, _Holder):
        for c in m._modules.values():
            _collect_child_weights(c, out, seen)
        return
    # A plain torch module inside a layer: its parameters, then its buffers.
    for w in list(m.parameters()) + list(m.buffers()):
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)


def _is_plain(v) -> bool:
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_is_plain(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_plain(x) for k, x in v.items())
    return False
