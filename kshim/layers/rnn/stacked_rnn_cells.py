"""``StackedRNNCells``: a list of RNN cells that behaves as one cell."""

from __future__ import annotations

import torch

from kshim.layers.layer import Layer
from kshim.saving import serialization_lib
from kshim.saving.object_registration import keras_export


def deserialize_layer(config, custom_objects=None):
    """A layer (or cell) from its Keras-format config; kshim's layers are found by
    class name even when no Keras public name is recorded for them."""
    import kshim.layers

    module_objects = {
        name: getattr(kshim.layers, name)
        for name in dir(kshim.layers)
        if isinstance(getattr(kshim.layers, name), type)
        and issubclass(getattr(kshim.layers, name), Layer)
    }
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=module_objects
    )


def state_sizes(cell) -> list:
    """The cell's ``state_size`` as a list of ints."""
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def output_size(cell) -> int:
    size = getattr(cell, "output_size", None)
    return size if size is not None else state_sizes(cell)[0]


@keras_export("keras.layers.StackedRNNCells")
class StackedRNNCells(Layer):
    """Wraps a list of RNN cells so that they run as one: each cell's output is the next
    cell's input, and the state is the list of the cells' states.

    ``RNN([cell_a, cell_b])`` makes one. The ``RNN`` layer runs the cells one after the
    other over the whole sequence, which computes the same as stepping them together.

    Args:
        cells: List of RNN cells.
        **kwargs: Base ``Layer`` arguments.

    >>> import torch
    >>> from kshim.layers.rnn.lstm_cell import LSTMCell
    >>> from kshim.layers.rnn.gru_cell import GRUCell
    >>> cells = StackedRNNCells([LSTMCell(4), GRUCell(2)])
    >>> cells.state_size, cells.output_size
    ([[4, 4], 2], 2)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError(
                    "All cells must have a `call` method. "
                    f"Received cell without a `call` method: {cell}"
                )
            if "state_size" not in dir(cell):
                raise ValueError(
                    "All cells must have a `state_size` attribute. "
                    f"Received cell without a `state_size`: {cell}"
                )
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            else:
                zeros = [
                    torch.zeros((batch_size, d), dtype=self._compute_torch_dtype)
                    for d in state_sizes(cell)
                ]
                states.append(zeros if isinstance(cell.state_size, (list, tuple)) else zeros[0])
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
            input_shape = (input_shape[0], output_size(cell))

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = isinstance(cell_states, (list, tuple))
            cell_states = list(cell_states) if nested else [cell_states]
            kwargs = {"training": training} if getattr(cell, "_call_has_training", False) else {}
            inputs, cell_new = cell(inputs, cell_states, **kwargs)
            if not isinstance(cell_new, (list, tuple)):
                cell_new = [cell_new]
            cell_new = list(cell_new)
            new_states.append(cell_new if nested or len(cell_new) != 1 else cell_new[0])
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def get_config(self):
        return {
            **super().get_config(),
            "cells": [serialization_lib.serialize_keras_object(c) for c in self.cells],
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)
