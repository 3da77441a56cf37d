"""``RepeatVector``: repeats a vector along a new time axis."""

from __future__ import annotations

from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer


class RepeatVector(Layer):
    """Repeats each sample's feature vector ``n`` times along a new axis 1.

    The output is a broadcast view of the input (no copy; torch refuses in-place writes
    to it, which would touch several elements at once).

    Args:
        n: Positive int, the number of repetitions.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, features)``.

    Output shape:
        ``(batch_size, n, features)``.

    >>> import torch
    >>> RepeatVector(3)(torch.tensor([[1.0, 2.0]]))
    tensor([[[1., 2.],
             [1., 2.],
             [1., 2.]]])
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n
        self._sizes = (-1, n, -1)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(self._sizes)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
