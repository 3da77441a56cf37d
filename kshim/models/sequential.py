"""``Sequential``: a plain stack of layers, each called on the previous one's output."""

from __future__ import annotations

from torch import nn

from kshim.layers.layer import Layer
from kshim.models.functional import _local_keys, _overrides_compute_mask, _shape_ok
from kshim.models.input_layer import InputLayer
from kshim.models.model import Model
from kshim.models.symbolic import KerasTensor, symbolic_call
from kshim.saving import serialization_lib


class Sequential(Model):
    """A stack of layers where each layer has one input and one output.

    With a leading ``kshim.Input`` (or a first layer given ``input_shape``) the model is
    built at once; otherwise at its first call. ``state_dict`` keys are model-local layer
    names (``dense.kernel``, ``dense_1.kernel``), the same for every model built by the
    same code.

    Args:
        layers: Layers to add, in order (a plain ``torch.nn.Module`` is wrapped in a
            ``TorchModuleWrapper``).
        trainable: Whether the weights are trained.
        name: The model's name.

    >>> import kshim, torch
    >>> model = kshim.Sequential([kshim.Input((4,)), kshim.layers.Dense(8, activation="relu"),
    ...                           kshim.layers.Dense(2)])
    >>> model(torch.ones(3, 4)).shape
    torch.Size([3, 2])
    >>> list(model.state_dict())
    ['dense.kernel', 'dense.bias', 'dense_1.kernel', 'dense_1.bias']
    """

    _untracked_attrs = frozenset({"_seq", "_call_layers"})

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        s = object.__setattr__
        s(self, "_seq", [])
        s(self, "_input_layer", None)
        s(self, "_call_layers", ())
        s(self, "_shapes", {})
        s(self, "_uses_masks", False)
        s(self, "_input_check", None)
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                raise TypeError(f"Sequential expects a list of layers. Received: layers={layers!r}")
            for layer in layers:
                self.add(layer, rebuild=False)
        self._maybe_rebuild()

    # ------------------------------------------------------------------ structure

    def add(self, layer, rebuild=True) -> None:
        """Adds a layer on top of the stack."""
        if isinstance(layer, KerasTensor):
            node = layer._node
            if node is None or not isinstance(node.layer, InputLayer):
                raise ValueError(
                    "Only `kshim.Input` tensors can be added to a Sequential model. "
                    f"Received: {layer!r}"
                )
            layer = node.layer
        if isinstance(layer, nn.Module) and not isinstance(layer, Layer):
            from kshim.utils.torch_utils import TorchModuleWrapper

            layer = TorchModuleWrapper(layer)
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `kshim.layers.Layer` (or torch modules) can be added to a "
                f"Sequential model. Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer):
            if self._seq:
                raise ValueError(
                    f"Sequential model '{self.name}' has already been configured to use "
                    "an input; an InputLayer can only be its first layer."
                )
            object.__setattr__(self, "_input_layer", layer)
        elif not self._seq and self._input_layer is None and layer._batch_input_shape is not None:
            object.__setattr__(
                self, "_input_layer", InputLayer(batch_shape=layer._batch_input_shape)
            )
        if not isinstance(layer, InputLayer):
            if any(existing is layer for existing in self._seq):
                raise ValueError(
                    f"Layer '{layer.name}' is already in Sequential model '{self.name}'."
                )
            self._seq.append(layer)
        self._register()
        object.__setattr__(self, "built", False)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not self._seq:
            raise IndexError("There are no layers in the model.")
        layer = self._seq.pop()
        self._register()
        object.__setattr__(self, "built", False)
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _register(self) -> None:
        self._modules.clear()
        keys = _local_keys(self._seq)
        for layer in self._seq:
            self._modules[keys[id(layer)]] = layer
        object.__setattr__(self, "_call_layers", tuple(self._seq))
        object.__setattr__(
            self, "_uses_masks", any(_overrides_compute_mask(la) for la in self._seq)
        )

    def _maybe_rebuild(self) -> None:
        if self._input_layer is not None and self._seq:
            self._build_symbolic(self._input_layer.batch_shape)

    def _build_symbolic(self, batch_shape) -> None:
        x = KerasTensor(
            batch_shape,
            self._input_layer._input_dtype_name if self._input_layer else "float32",
        )
        shapes = {}
        for layer in self._seq:
            x = symbolic_call(layer, (x,), {})
            if not isinstance(x, KerasTensor):
                raise ValueError(
                    f"Layers in a Sequential model should only have a single output tensor. "
                    f"Layer '{layer.name}' returned {x!r}."
                )
            shapes[id(layer)] = x.shape
        object.__setattr__(self, "_shapes", shapes)
        object.__setattr__(self, "_build_input_shape", tuple(batch_shape))
        fixed = tuple((i, d) for i, d in enumerate(batch_shape) if d is not None)
        object.__setattr__(self, "_input_check", (len(batch_shape), fixed, tuple(batch_shape)))
        object.__setattr__(self, "built", True)

    def build(self, input_shape=None):
        if input_shape is None:
            raise ValueError(
                f"Sequential model '{self.name}' cannot be built without an input shape."
            )
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], int):
            input_shape = tuple(input_shape)
        if not isinstance(input_shape, tuple):
            raise ValueError(
                f"Sequential model '{self.name}' expects a single input. Received: "
                f"input_shape={input_shape!r}"
            )
        if self._input_layer is None:
            # Keep the batch size free, so later calls may use any batch size.
            shape = (None, *input_shape[1:])
            if self._seq:
                self._build_symbolic(shape)
        else:
            self._build_symbolic(self._input_layer.batch_shape)

    # ------------------------------------------------------------------ call

    def call(self, inputs, mask=None):
        check = self._input_check
        if check is not None and self._input_layer is not None:
            ndim, fixed, shape = check
            xs = inputs.shape
            if not _shape_ok(xs, ndim, fixed):
                raise ValueError(
                    f'Input of Sequential model "{self.name}" is incompatible: expected '
                    f"shape {shape}, but received input with shape {tuple(xs)}"
                )
        x = inputs
        if not self._uses_masks and mask is None:
            for layer in self._call_layers:
                x = layer(x)
            return x
        for layer in self._call_layers:
            if mask is not None and layer._call_has_mask:
                y = layer(x, mask=mask)
            else:
                y = layer(x)
            if _overrides_compute_mask(layer) or getattr(layer, "supports_masking", False):
                mask = layer.compute_mask(x, mask)
            else:
                mask = None
            x = y
        return x

    # ------------------------------------------------------------------ properties

    @property
    def layers(self) -> list:
        return list(self._seq)

    @property
    def input_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        shape = getattr(self, "_build_input_shape", None)
        if shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")
        return shape

    @property
    def output_shape(self):
        if not self._seq or id(self._seq[-1]) not in self._shapes:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape yet.")
        return self._shapes[id(self._seq[-1])]

    @property
    def inputs(self):
        return [self._input_layer.output] if self._input_layer is not None else None

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._seq:
            shape = layer.compute_output_shape(shape)
        return shape

    # ------------------------------------------------------------------ config

    def get_config(self) -> dict:
        layers = []
        if self._input_layer is not None:
            layers.append(serialization_lib.serialize_keras_object(self._input_layer))
        layers += [serialization_lib.serialize_keras_object(la) for la in self._seq]
        config = Layer.get_config(self)
        config = {k: config[k] for k in ("name", "trainable", "dtype")}
        config["layers"] = layers
        if getattr(self, "_build_input_shape", None) is not None:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if not isinstance(config, dict) or "layers" not in config:
            raise ValueError(f"A Sequential config needs a 'layers' list. Received: {config!r}")
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for lc in config["layers"]:
            model.add(
                serialization_lib.deserialize_keras_object(lc, custom_objects=custom_objects),
                rebuild=False,
            )
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and shape is not None and model._seq:
            model.build(tuple(shape))
        return model


__all__ = ["Sequential"]
