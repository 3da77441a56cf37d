"""``LayerNormalization``: normalizes each sample over the given axes."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from kshim import constraints, initializers, regularizers
from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.normalization._args import (
    AxesPlan,
    check_axes_in_bounds,
    check_float,
    standardize_axis,
    weight,
)

_EXACT = (torch.float32, torch.float64)


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis``: ``gamma * (x - mean) / sqrt(var + epsilon) +
    beta``, with the mean and (biased) variance taken over ``axis``.

    ``gamma`` and ``beta`` have the sizes of the normalized axes (in sorted axis order).
    When the axes are the trailing ones this is one ``F.layer_norm`` call; other axes are
    normalized on a permuted view. (Keras 3.15's torch backend fails or normalizes the
    wrong axes for non-trailing contiguous axes such as ``axis=1`` on a rank-3 input; this
    layer computes what Keras' other backends compute.)

    Args:
        axis: Int or list of ints, the axes to normalize over (``-1``: the features).
        epsilon: Non-negative number added to the variance (``None``:
            ``kshim.config.epsilon()``).
        center: Whether to add the learned offset ``beta``.
        scale: Whether to multiply by the learned scale ``gamma``.
        beta_initializer: Initializer of ``beta`` (``"zeros"``).
        gamma_initializer: Initializer of ``gamma`` (``"ones"``).
        beta_regularizer: Regularizer of ``beta``.
        gamma_regularizer: Regularizer of ``gamma``.
        beta_constraint: Constraint of ``beta``.
        gamma_constraint: Constraint of ``gamma``.
        **kwargs: Base ``Layer`` arguments, and Keras' deprecated ``rms_scaling`` (it
            warns, and computes ``gamma * x / sqrt(var + epsilon)`` without ``beta``, as
            Keras does; use ``RMSNormalization`` instead).

    Input shape:
        Any; the sizes of the normalized axes are fixed at build.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = LayerNormalization(epsilon=0.0)
    >>> layer(torch.tensor([[1.0, 3.0], [0.0, 10.0]]))
    tensor([[-1.,  1.],
            [-1.,  1.]], grad_fn=<NativeLayerNormBackward0>)
    """

    def __init__(
        self,
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
        rms_scaling = kwargs.pop("rms_scaling", False)
        super().__init__(**kwargs)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument "
                "incorrectly scales the input by the variance, not the root mean square. To "
                "correctly use RMS Normalization, please use "
                "`keras.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        self.axis = standardize_axis(axis, type(self).__name__)
        self.epsilon = check_float(epsilon, "epsilon", allow_none=True)
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
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
        # As Keras, ``axis`` becomes a sorted list once built (and so in get_config).
        axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        plan = AxesPlan(axis, input_shape)
        self.axis = axis
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                name="gamma",
                shape=plan.shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
            )
        else:
            self.gamma = None
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                name="beta",
                shape=plan.shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
            )
        else:
            self.beta = None
        if plan.rank_free:
            self.input_spec = InputSpec(min_ndim=plan.ndim - min(plan.dims), axes=plan.spec_axes)
        else:
            self.input_spec = InputSpec(ndim=plan.ndim, axes=plan.spec_axes)
        self._mode = "rms" if self.rms_scaling else plan.mode
        self._shape = plan.shape
        self._dims = plan.dims
        self._perm, self._inverse = plan.perm, plan.inverse
        self._broadcast_shape = plan.broadcast_shape

    def call(self, inputs):
        x = inputs
        if x.dtype not in _EXACT:
            x = x.to(torch.float32)
        eps = config.epsilon() if self.epsilon is None else self.epsilon
        gamma, beta = weight(self, "gamma", x.dtype), weight(self, "beta", x.dtype)
        mode = self._mode
        if mode == "trailing":
            out = F.layer_norm(x, self._shape, gamma, beta, eps)
        elif mode == "permute":
            out = F.layer_norm(x.permute(self._perm), self._shape, gamma, beta, eps)
            out = out.permute(self._inverse)
        elif mode == "rms":
            # Keras' deprecated rms_scaling: divides by the standard deviation, no centering.
            var = torch.var(x, dim=self._dims, correction=0, keepdim=True)
            out = x * torch.rsqrt(var + eps)
            if gamma is not None:
                out = out * gamma.reshape(self._broadcast_shape)
        else:
            # Weights reshaped exactly as Keras reshapes them (see AxesPlan).
            var, mean = torch.var_mean(x, dim=self._dims, correction=0, keepdim=True)
            inv = torch.rsqrt(var + eps)
            if gamma is not None:
                inv = inv * gamma.reshape(self._broadcast_shape)
            res = -mean * inv
            if beta is not None:
                res = res + beta.reshape(self._broadcast_shape)
            out = x * inv + res
        cdt = self._compute_torch_dtype
        return out if out.dtype == cdt else out.to(cdt)

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
