"""``GroupNormalization``: normalizes each sample over groups of channels."""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

from kshim import constraints, initializers, regularizers
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.normalization._args import check_axes_in_bounds, check_float, weight

_EXACT = (torch.float32, torch.float64)


class GroupNormalization(Layer):
    """Splits the channels into ``groups`` and normalizes each sample over each group (the
    group's channels and every non-batch axis): ``gamma * (x - mean) / sqrt(var +
    epsilon) + beta``, with per-channel ``gamma`` and ``beta``.

    ``groups=1`` is layer normalization over all non-batch axes; ``groups=-1`` (one group
    per channel) is instance normalization. One ``F.group_norm`` call on a view with the
    channels at dim 1 (Wu & He, 2018).

    Args:
        groups: Number of groups: a positive divisor of the number of channels, or ``-1``
            for one group per channel.
        axis: The channel axis (``-1`` for channels-last, ``1`` for channels-first); not
            the batch axis.
        epsilon: Non-negative number added to the variance.
        center: Whether to add the learned offset ``beta``.
        scale: Whether to multiply by the learned scale ``gamma``.
        beta_initializer: Initializer of ``beta`` (``"zeros"``).
        gamma_initializer: Initializer of ``gamma`` (``"ones"``).
        beta_regularizer: Regularizer of ``beta``.
        gamma_regularizer: Regularizer of ``gamma``.
        beta_constraint: Constraint of ``beta``.
        gamma_constraint: Constraint of ``gamma``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any rank >= 2; the rank and the number of channels are fixed at build.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = GroupNormalization(groups=2, epsilon=0.0)
    >>> layer(torch.tensor([[1.0, 3.0, 0.0, 10.0]]))
    tensor([[-1.,  1., -1.,  1.]], grad_fn=<...>)
    """

    def __init__(
        self,
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if (
            isinstance(groups, bool)
            or not isinstance(groups, numbers.Integral)
            or (groups <= 0 and groups != -1)
        ):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive "
                f"integer (or `-1` for instance normalization). Received: groups={groups}"
            )
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(
                f"Invalid value for argument `axis`: expected an integer. Received: axis={axis!r}"
            )
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = check_float(epsilon, "epsilon")
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        # As Keras: inputs keep their dtype; the math runs in float32 at least.
        self.autocast = False

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        ndim = len(input_shape)
        pos = self.axis % ndim
        if pos == 0:
            raise ValueError(
                f"Invalid value for argument `axis`: it names the batch axis of an input of "
                f"shape {input_shape}. Received: axis={self.axis}"
            )
        dim = input_shape[pos]
        if dim is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {input_shape}."
            )
        if self.groups == -1:
            self.groups = dim  # as Keras (and so in get_config)
        if dim < self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) cannot be more than the number of "
                f"channels ({dim})."
            )
        if dim % self.groups != 0:
            # Keras' wording.
            raise ValueError(
                f"Number of groups ({self.groups}) must be a multiple of the number of "
                f"channels ({dim})."
            )
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(
                shape=(dim,),
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(
                shape=(dim,),
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        else:
            self.beta = None
        self._pos = pos

    def call(self, inputs):
        x = inputs
        if x.dtype not in _EXACT:
            x = x.to(torch.float32)
        pos = self._pos
        gamma, beta = weight(self, "gamma", x.dtype), weight(self, "beta", x.dtype)
        if pos == 1:
            out = F.group_norm(x, self.groups, gamma, beta, self.epsilon)
        else:
            # A view with the channels at dim 1; channels-last 4D/5D inputs keep a layout
            # torch's kernel reads natively.
            out = F.group_norm(x.movedim(pos, 1), self.groups, gamma, beta, self.epsilon)
            out = out.movedim(1, pos)
        cdt = self._compute_torch_dtype
        return out if out.dtype == cdt else out.to(cdt)

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
