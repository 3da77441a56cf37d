"""``Cropping1D``: removes steps at the start and end of a sequence."""

from __future__ import annotations

from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import crop_index, standardize_tuple


class Cropping1D(Layer):
    """Removes steps at the start and end of axis 1; the output is a view of the input.

    Args:
        cropping: Int (the same number of steps at both ends) or tuple of 2 ints
            ``(start, end)``. Default ``(1, 1)``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, steps, features)``.

    Output shape:
        ``(batch_size, steps - start - end, features)``.

    >>> import torch
    >>> Cropping1D((1, 2))(torch.arange(5.0).reshape(1, 5, 1))[0, :, 0]
    tensor([1., 2.])
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)
        self._index = crop_index((self.cropping,), "channels_last")
        self._total = sum(self.cropping)

    def _error(self, shape):
        return ValueError(
            "`cropping` parameter of `Cropping1D` layer must be smaller than the input "
            f"length. Received: inputs.shape={tuple(shape)}, cropping={self.cropping}"
        )

    def call(self, inputs):
        if inputs.shape[1] <= self._total:
            raise self._error(inputs.shape)
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        length = input_shape[1]
        if length is not None:
            length -= self._total
            if length <= 0:
                raise self._error(input_shape)
        return (input_shape[0], length, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}
