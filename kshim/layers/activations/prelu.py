"""``PReLU``: leaky ReLU whose negative slope ``alpha`` is learned."""

from __future__ import annotations

import torch.nn.functional as F

from kshim import constraints, initializers, regularizers
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer


class PReLU(Layer):
    """Parametric ReLU: ``x`` if ``x >= 0`` else ``alpha * x``, ``alpha`` learned.

    ``alpha`` has the input's shape without the batch axis (Keras' layout), with size 1
    on the ``shared_axes`` (e.g. ``shared_axes=[1, 2]`` for one slope per channel of
    ``(batch, height, width, channels)`` images).

    Args:
        alpha_initializer: Initializer of ``alpha`` (``"Zeros"``).
        alpha_regularizer: Regularizer of ``alpha``.
        alpha_constraint: Constraint of ``alpha``.
        shared_axes: Axis or axes (1-based, counting the batch axis as 0) along which
            ``alpha`` is shared.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, ...)``.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = PReLU(alpha_initializer="ones", shared_axes=[1])
    >>> layer(torch.tensor([[[-2.0, 3.0]]])).tolist(), tuple(layer.alpha.shape)
    ([[[-2.0, 3.0]]], (1, 2))
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)
        for axis in self.shared_axes or ():
            if isinstance(axis, bool) or not isinstance(axis, int) or axis < 1:
                raise ValueError(
                    "Argument `shared_axes` of PReLU must hold positive integer axes (the "
                    f"batch axis, 0, cannot be shared). Received: shared_axes={shared_axes}"
                )

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if axis >= len(input_shape):
                raise ValueError(
                    f"Argument `shared_axes` of PReLU holds axis {axis}, but the input has "
                    f"rank {len(input_shape)}. Received: shared_axes={self.shared_axes}, "
                    f"input_shape={tuple(input_shape)}"
                )
            param_shape[axis - 1] = 1
        self.alpha = self.add_weight(
            shape=tuple(param_shape),
            name="alpha",
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {}
        if self.shared_axes:
            for i in range(1, len(input_shape)):
                if i not in self.shared_axes:
                    axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)

    def call(self, inputs):
        # Keras' form: relu(x) - alpha * relu(-x) (its gradient at 0 is 0).
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
