"""``RMSNormalization``: scales each sample by the inverse root mean square over the given
axes."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.normalization._args import (
    AxesPlan,
    check_axes_in_bounds,
    check_float,
    standardize_axis,
)

_EXACT = (torch.float32, torch.float64)


class RMSNormalization(Layer):
    """Root mean square normalization (Zhang & Sennrich, 2019):
    ``x * rsqrt(mean(square(x)) + epsilon) * scale``, the mean taken over ``axis``.

    The learned ``scale`` weight has the sizes of the normalized axes. Trailing axes are one
    ``F.rms_norm`` call; other axes run it on a permuted view. (Keras 3.15 fails or
    normalizes the wrong axes when the axes are not the trailing ones; this layer
    normalizes over the axes it is given.)

    Args:
        axis: Int or list of ints, the axes to normalize over (``-1``: the features).
        epsilon: Non-negative number added to the mean square (``None``:
            ``kshim.config.epsilon()``).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any; the sizes of the normalized axes are fixed at build.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = RMSNormalization(epsilon=0.0)
    >>> layer(torch.tensor([[3.0, 4.0, 0.0, 0.0]])).detach()
    tensor([[1.2000, 1.6000, 0.0000, 0.0000]])
    >>> [w.name for w in layer.weights]
    ['scale']
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = standardize_axis(axis, type(self).__name__)
        self.epsilon = check_float(epsilon, "epsilon", allow_none=True)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        # As Keras, ``axis`` becomes a sorted list once built (and so in get_config).
        axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        plan = AxesPlan(axis, input_shape)
        self.axis = axis
        self.scale = self.add_weight(name="scale", shape=plan.shape, initializer="ones")
        if plan.rank_free:
            self.input_spec = InputSpec(min_ndim=plan.ndim - min(plan.dims), axes=plan.spec_axes)
        else:
            self.input_spec = InputSpec(ndim=plan.ndim, axes=plan.spec_axes)
        self._mode = plan.mode
        self._shape = plan.shape
        self._perm, self._inverse = plan.perm, plan.inverse

    def call(self, inputs):
        x = inputs
        dtype = x.dtype
        if dtype not in _EXACT:  # float32 at least, as Keras
            x = x.to(torch.float32)
        eps = config.epsilon() if self.epsilon is None else self.epsilon
        scale = self.scale if self.scale.dtype == x.dtype else self.scale.to(x.dtype)
        if self._mode == "trailing":
            out = F.rms_norm(x, self._shape, scale, eps)
        else:
            # Keras 3.15 fails here (its weight is not broadcast to the input); the axes
            # are put last in the weight's order, so scale[i, j] scales axis values i, j.
            out = F.rms_norm(x.permute(self._perm), self._shape, scale, eps)
            out = out.permute(self._inverse)
        if out.dtype != dtype and dtype.is_floating_point:
            out = out.to(dtype)
        return out

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
