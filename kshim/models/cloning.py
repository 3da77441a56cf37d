"""``clone_model``: a new model with the same structure and fresh weights."""

from __future__ import annotations

from kshim.models.functional import Functional
from kshim.models.input_layer import InputLayer
from kshim.models.sequential import Sequential


def _default_clone(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, **kwargs):
    """Returns a copy of ``model`` made from its layers' configs (weights are new).

    Args:
        model: A functional, Sequential or subclassed model.
        input_tensors: Not supported; must be ``None``.
        clone_function: ``fn(layer) -> layer`` used for each layer; by default a layer
            is re-created from its config.
        call_function: Not supported; must be ``None``.
    """
    if input_tensors is not None or call_function is not None or kwargs:
        raise ValueError(
            "clone_model: `input_tensors`, `call_function` and other arguments are not supported."
        )
    clone = clone_function or _default_clone
    if isinstance(model, Sequential):
        layers = []
        if model._input_layer is not None:
            layers.append(InputLayer.from_config(model._input_layer.get_config()))
        layers += [clone(layer) for layer in model.layers]
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if isinstance(model, Functional):
        new_layers = {}
        for layer in model.layers:
            if isinstance(layer, InputLayer):
                new_layers[id(layer)] = InputLayer.from_config(layer.get_config())
            else:
                new_layers[id(layer)] = clone(layer)
        values = {}
        for layer in model.layers:
            if isinstance(layer, InputLayer):
                values[id(layer.output)] = new_layers[id(layer)].output
        from kshim.models.symbolic import KerasTensor, flatten, map_structure

        def sub(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in model._nodes:
            out = new_layers[id(node.layer)](
                *map_structure(sub, node.args), **map_structure(sub, node.kwargs)
            )
            for old, new in zip(flatten(node.outputs), flatten(out)):
                values[id(old)] = new
        return Functional(
            map_structure(sub, model._inputs_struct),
            map_structure(sub, model._outputs_struct),
            name=model.name,
            trainable=model.trainable,
        )
    return type(model).from_config(model.get_config())
