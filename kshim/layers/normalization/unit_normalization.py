"""``UnitNormalization``: scales each sample to unit L2 norm over the given axes."""

from __future__ import annotations

import torch

from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.normalization._args import check_axes_in_bounds, standardize_axis

_EPSILON = 1e-12  # Keras' floor of the norm


class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    Args:
        axis: Int or list of ints, the axes the norm is taken over (``-1``: the features).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any rank with every axis of ``axis``.

    Output shape:
        Same as the input.

    >>> import torch
    >>> UnitNormalization()(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) or isinstance(axis, int):
            self.axis = standardize_axis(axis, type(self).__name__)
        else:
            raise TypeError(
                "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                f"Received: axis={axis}"
            )
        self._dims = tuple(self.axis) if isinstance(self.axis, list) else (self.axis,)
        # Keras has no input spec here; the rank check turns torch's IndexError into
        # Keras' usual ValueError.
        if self._dims:
            self.input_spec = InputSpec(min_ndim=max(a + 1 if a >= 0 else -a for a in self._dims))
        self.supports_masking = True

    def call(self, inputs):
        x = inputs
        if not x.is_floating_point():
            x = x.to(self._compute_torch_dtype)
        norm = torch.linalg.vector_norm(x, 2, dim=self._dims, keepdim=True)
        return x / norm.clamp_min(_EPSILON)

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
