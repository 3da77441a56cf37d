"""``UpSampling1D``: repeats each step of a sequence."""

from __future__ import annotations

from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._repeat import RepeatPlan


class UpSampling1D(Layer):
    """Repeats each step ``size`` times along axis 1.

    Args:
        size: Positive int, the upsampling factor. Default ``2``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, steps, features)``.

    Output shape:
        ``(batch_size, steps * size, features)``.

    >>> import torch
    >>> UpSampling1D(3)(torch.tensor([[[1.0], [2.0]]]))[0, :, 0]
    tensor([1., 1., 1., 2., 2., 2.])
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)
        self._repeat = RepeatPlan(3, axes=(1,), factors=(size,))

    def call(self, inputs):
        return self._repeat(inputs)

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}
