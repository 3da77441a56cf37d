"""``Reshape``: gives each sample a new shape."""

from __future__ import annotations

import math
import numbers

from kshim.layers.layer import Layer


def _validate_target_shape(target_shape) -> tuple:
    """Keras' checks of ``target_shape``; returns it as a tuple (``None`` means ``-1``)."""
    if isinstance(target_shape, (str, bytes)) or not hasattr(target_shape, "__iter__"):
        raise ValueError(
            "Argument `target_shape` must be a tuple of integers. "
            f"Received: target_shape={target_shape}"
        )
    target_shape = tuple(target_shape)
    unknown = 0
    for dim in target_shape:
        if dim is None:
            unknown += 1
            continue
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise ValueError(
                "Argument `target_shape` must be a tuple of integers. "
                f"Received: target_shape={target_shape}"
            )
        if dim < -1:
            raise ValueError(
                "Each dimension in `target_shape` must be a non-negative integer, or `-1` "
                f"for a single unknown dimension. Received: target_shape={target_shape}."
            )
        if dim == -1:
            unknown += 1
    if unknown > 1:
        raise ValueError(
            "There must be at most one unknown dimension (-1) in `target_shape`. "
            f"Received: target_shape={target_shape}."
        )
    return target_shape


def _resolve(input_shape: tuple, target: tuple) -> tuple:
    """The per-sample output shape (``None`` where unknown), Keras' errors on a mismatch."""
    target = tuple(-1 if d is None else int(d) for d in target)
    if any(d is None for d in input_shape):
        return tuple(None if d == -1 else d for d in target)
    size = math.prod(input_shape)
    known = math.prod(d for d in target if d != -1)
    if -1 not in target:
        if size != known:
            raise ValueError(
                "The total size of the tensor must be unchanged. Received: "
                f"input_shape={input_shape}, target_shape={target}"
            )
        return target
    if known == 0 or size % known != 0:
        raise ValueError(
            "The total size of the tensor must be unchanged, however, the input size "
            "cannot by divided by the specified dimensions in target_shape. Received: "
            f"input_shape={input_shape}, target_shape={target}"
        )
    return tuple(size // known if d == -1 else d for d in target)


class Reshape(Layer):
    """Reshapes each sample to ``target_shape``; the batch axis is kept.

    The output is a view of the input whenever torch can make one (``Tensor.reshape``).

    Args:
        target_shape: Tuple of ints, the shape of each sample without the batch axis.
            One entry may be ``-1``: it is inferred from the input size.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        ``(batch_size, ...)`` with as many elements per sample as ``target_shape``.

    Output shape:
        ``(batch_size, *target_shape)``.

    >>> import torch
    >>> Reshape((3, 4))(torch.ones(2, 12)).shape
    torch.Size([2, 3, 4])
    >>> Reshape((-1, 2))(torch.ones(2, 3, 4)).shape
    torch.Size([2, 6, 2])
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _validate_target_shape(target_shape)
        self._target = tuple(-1 if d is None else int(d) for d in self.target_shape)

    def call(self, inputs):
        try:
            return inputs.reshape((inputs.shape[0], *self._target))
        except RuntimeError:
            # Keras' error for a size mismatch, or an empty batch where torch cannot
            # infer the -1 from zero elements: resolve it from one sample's shape.
            target = _resolve(tuple(inputs.shape[1:]), self._target)
            return inputs.reshape((inputs.shape[0], *target))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return (input_shape[0], *_resolve(input_shape[1:], self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
