"""``TimeDistributed``: applies a layer to every temporal slice of an input."""

from __future__ import annotations

import torch

from kshim.layers.layer import Layer
from kshim.layers.rnn.stacked_rnn_cells import deserialize_layer
from kshim.saving import serialization_lib
from kshim.saving.object_registration import keras_export


def _map(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    return fn(x)


@keras_export("keras.layers.TimeDistributed")
class TimeDistributed(Layer):
    """Applies ``layer`` to each time step of ``(batch, timesteps, ...)`` inputs.

    The time steps are folded into the batch (a free reshape) and ``layer`` is called
    once, which computes what Keras' per-step loop does for every layer that treats the
    samples of a batch independently. A layer with non-trainable state (moving
    statistics, e.g. ``BatchNormalization``) is called step by step in training, as in
    Keras, so its statistics and updates are per step.

    Args:
        layer: A ``Layer`` instance.
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        inputs: ``(batch_size, timesteps, ...)`` tensor.
        training: Passed on to ``layer``.
        mask: Optional ``(batch_size, timesteps, ...)`` mask, passed on per step to a
            layer that takes a mask.

    Input shape:
        ``(batch_size, timesteps, *layer_input_shape)``.

    Output shape:
        ``(batch_size, timesteps, *layer_output_shape)``.

    >>> import torch
    >>> from kshim.layers import Dense
    >>> layer = TimeDistributed(Dense(8))
    >>> tuple(layer(torch.ones(2, 10, 16)).shape)
    (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a "
                f"`keras.layers.Layer` instance. Received: {layer}"
            )
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True
        self._per_step = False

    def _get_child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` "
                f"with at least 3 dimensions, received: {input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        child_shape = self._get_child_input_shape(tuple(input_shape))
        if not self.layer.built:
            self.layer.build(child_shape)
        # Layers with state updated in training run step by step (Keras' semantics).
        self._per_step = bool(self.layer.non_trainable_weights)

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._get_child_input_shape(tuple(input_shape)))
        return (child[0], input_shape[1], *child[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        if len(shape) < 3:
            self._get_child_input_shape(shape)
        if mask is not None:
            mask_shape = tuple(mask.shape)
            if len(mask_shape) < 2:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer must be at least 2D "
                    "(e.g., `(batch_size, timesteps)`), but it has "
                    f"{len(mask_shape)} dimension(s) with shape {mask_shape}."
                )
            if mask_shape[:2] != shape[:2]:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer has a shape "
                    f"{mask_shape} that is incompatible with the input shape {shape}. The "
                    "first two dimensions of the mask (batch size and timesteps) must match "
                    "the input's first two dimensions. Expected mask shape prefix: "
                    f"({shape[0]}, {shape[1]})."
                )
        layer = self.layer
        pass_mask = mask is not None and layer._call_has_mask
        batch, steps = shape[0], shape[1]
        if training and self._per_step:
            outs = []
            for t in range(steps):
                kwargs = {"mask": mask[:, t]} if pass_mask else {}
                outs.append(layer(inputs[:, t], training=training, **kwargs))
            if isinstance(outs[0], (list, tuple)):
                return type(outs[0])(torch.stack(o, dim=1) for o in zip(*outs))
            return torch.stack(outs, dim=1)
        kwargs = {}
        if pass_mask:
            kwargs["mask"] = mask.reshape(batch * steps, *mask.shape[2:])
        y = layer(inputs.reshape(batch * steps, *shape[2:]), training=training, **kwargs)
        return _map(lambda t: t.reshape(batch, steps, *t.shape[1:]), y)

    def get_config(self):
        return {
            **super().get_config(),
            "layer": serialization_lib.serialize_keras_object(self.layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)
