"""``Bidirectional``: runs a recurrent layer forwards and backwards and merges them."""

from __future__ import annotations

import copy

import torch

from kshim.layers.layer import Layer
from kshim.layers.rnn.stacked_rnn_cells import deserialize_layer
from kshim.saving import serialization_lib
from kshim.saving.object_registration import keras_export

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy_layer(layer, name, go_backwards=None):
    config = serialization_lib.serialize_keras_object(layer)
    config["config"]["name"] = name
    if go_backwards is not None:
        config["config"]["go_backwards"] = go_backwards
    return deserialize_layer(config)


def _remove_prefix(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


@keras_export("keras.layers.Bidirectional")
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs: a forward and a backward copy of ``layer`` whose
    outputs are merged.

    As in Keras, the two directions are new layers made from ``layer``'s config
    (``forward_<name>`` and ``backward_<name>``, the latter with ``go_backwards=True``),
    or ``backward_layer`` when given. Their weights come forward direction first.

    Args:
        layer: An ``RNN`` layer instance (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``).
        merge_mode: How the two outputs are combined: ``"concat"`` (default), ``"sum"``,
            ``"mul"``, ``"ave"`` or ``None`` (a list of both).
        weights: Optional list of weight arrays, the forward layer's then the backward
            layer's, loaded when the layer is built.
        backward_layer: Optional ``RNN`` instance for the backward direction; it must
            have ``go_backwards=True`` and the same ``stateful``, ``return_sequences`` and
            ``return_state`` as ``layer``.
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        sequences: ``(batch_size, timesteps, features)`` tensor.
        initial_state: Initial states, those of the forward layer then the backward one.
        mask: Bool ``(batch_size, timesteps)`` mask.
        training: Passed on to both directions.

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        The wrapped layer's, with the last axis doubled for ``"concat"``; a list of both
        outputs for ``merge_mode=None``; with ``return_state``, followed by the forward
        then the backward states.

    >>> import torch
    >>> from kshim.layers import LSTM
    >>> layer = Bidirectional(LSTM(4, return_sequences=True))
    >>> tuple(layer(torch.ones(2, 5, 3)).shape)
    (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a "
                f"`keras.layers.Layer` instance. Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `keras.layers.Layer` "
                f"instance. Received: {backward_layer}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. "
                "Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, f"forward_{_remove_prefix(layer.name, 'forward_')}")
        if backward_layer is None:
            self.backward_layer = _copy_layer(
                layer, f"backward_{_remove_prefix(layer.name, 'backward_')}", go_backwards=True
            )
        else:
            self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            # Keras zeroes masked outputs of both directions when merging sequences.
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights_list = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different "
                "`go_backwards` value. Received: "
                "forward_layer.go_backwards "
                f"{self.forward_layer.go_backwards}, "
                "backward_layer.go_backwards="
                f"{self.backward_layer.go_backwards}"
            )
        for a in ("stateful", "return_sequences", "return_state"):
            forward_value = getattr(self.forward_layer, a)
            backward_value = getattr(self.backward_layer, a)
            if forward_value != backward_value:
                raise ValueError(
                    "Forward layer and backward layer are expected to have "
                    f'the same value for attribute "{a}", got '
                    f'"{forward_value}" for forward layer and '
                    f'"{backward_value}" for backward layer'
                )

    def build(self, sequences_shape, initial_state_shape=None):
        if not self.forward_layer.built:
            self.forward_layer.build(sequences_shape)
        if not self.backward_layer.built:
            self.backward_layer.build(sequences_shape)
        if self._initial_weights_list is not None:
            weights = self._initial_weights_list
            half = len(weights) // 2
            self.forward_layer.set_weights(weights[:half])
            self.backward_layer.set_weights(weights[half:])
            self._initial_weights_list = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shape = ()
        if self.return_state:
            output_shape, state_shape = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = (*tuple(output_shape)[:-1], output_shape[-1] * 2)
        elif self.merge_mode is None:
            output_shape = [tuple(output_shape), tuple(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(output_shape) + state_shape + state_shape
            return (tuple(output_shape), *state_shape, *state_shape)
        return output_shape if isinstance(output_shape, list) else tuple(output_shape)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state = list(initial_state[:half])
            backward_state = list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, (1,))
        mode = self.merge_mode
        if mode == "concat":
            output = torch.cat([y, y_rev], dim=-1)
        elif mode == "sum":
            output = y + y_rev
        elif mode == "ave":
            output = (y + y_rev) / 2
        elif mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            if mode is None:
                return output + states
            return (output, *states)
        return output

    def reset_states(self):
        self.reset_state()

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states + self.backward_layer.states)
        return None

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state and self.states is not None:
            state_mask = [None for _ in self.states]
            if isinstance(output_mask, list):
                return output_mask + state_mask * 2
            return [output_mask] + state_mask * 2
        return output_mask

    def get_config(self):
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialization_lib.serialize_keras_object(self.forward_layer),
            "backward_layer": serialization_lib.serialize_keras_object(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = copy.deepcopy(config)
        config["layer"] = deserialize_layer(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_layer(backward, custom_objects)
        return cls(**config)
