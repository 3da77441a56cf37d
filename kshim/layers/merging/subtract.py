"""``Subtract``: the difference of two tensors."""

from __future__ import annotations

from kshim.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtracts the second of two tensors from the first.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of exactly two tensors ``(batch_size, ...)``.

    Output shape:
        Their broadcast shape.

    >>> import torch
    >>> Subtract()([torch.ones(2, 3), torch.full((2, 3), 2.0)])[0]
    tensor([-1., -1., -1.])
    """

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: input_shape={input_shape}"
            )

    def _merge_function(self, inputs, masks):
        if len(inputs) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: inputs={inputs}"
            )
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional form of ``Subtract``: ``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)
