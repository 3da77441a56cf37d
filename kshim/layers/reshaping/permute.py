"""``Permute``: reorders the non-batch axes."""

from __future__ import annotations

from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer


class Permute(Layer):
    """Permutes the axes of each sample; the output is a view of the input.

    Args:
        dims: Tuple of ints, the new order of the non-batch axes, numbered from 1 as in
            Keras: ``(2, 1)`` swaps the two axes of a rank-3 input.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, d_1, ..., d_n)`` with ``n = len(dims)``.

    Output shape:
        ``(batch_size, d_dims[0], ..., d_dims[n-1])``.

    >>> import torch
    >>> Permute((2, 1))(torch.ones(4, 10, 64)).shape
    torch.Size([4, 64, 10])
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
            valid = sorted(dims) == list(range(1, len(dims) + 1))
        except TypeError:
            valid = False
        if not valid:
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices "
                f"in `dims` must be consecutive and start from 1. Received dims={dims}"
            )
        self.dims = tuple(int(d) for d in dims)
        self._perm = (0, *self.dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return inputs.permute(self._perm)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return tuple(input_shape[d] for d in self._perm)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
