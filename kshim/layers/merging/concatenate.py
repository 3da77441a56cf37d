"""``Concatenate``: joins a list of tensors along an axis."""

from __future__ import annotations

import torch

from kshim.layers.merging.base_merge import Merge, _check_mask_list


class Concatenate(Merge):
    """Concatenates a list of tensors along ``axis``.

    All inputs must have the same shape except along ``axis``.

    Args:
        axis: The concatenation axis (``-1`` by default).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of tensors of the same rank.

    Output shape:
        The common shape, with the sizes along ``axis`` summed.

    >>> import torch
    >>> Concatenate()([torch.ones(2, 3), torch.zeros(2, 4)]).shape
    torch.Size([2, 7])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(
                f"Argument `axis` of Concatenate must be an integer. Received: axis={axis}"
            )
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) < 1
            or not isinstance(input_shape[0], (tuple, list))
        ):
            raise ValueError(
                "A `Concatenate` layer should be called on a list of at least 1 input. "
                f"Received: input_shape={input_shape}"
            )
        if all(shape is None for shape in input_shape):
            return
        err_msg = (
            "A `Concatenate` layer requires inputs with matching shapes except for the "
            f"concatenation axis. Received: input_shape={[tuple(s) for s in input_shape]}"
        )
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(err_msg)
        (rank,) = ranks
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Argument `axis` of Concatenate is out of range for inputs of rank {rank}. "
                f"Received: axis={self.axis}"
            )
        concat_axis = self.axis % rank
        # Sizes must agree on every axis but the concatenation axis; unknown sizes
        # (None) match anything.
        for axis in range(rank):
            if axis == concat_axis:
                continue
            sizes = {s[axis] for s in input_shape if s[axis] is not None}
            if len(sizes) > 1:
                raise ValueError(err_msg)

    def _merge_function(self, inputs, masks):
        return torch.cat(inputs, dim=self.axis)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or not isinstance(
            input_shape[0], (tuple, list)
        ):
            raise ValueError(
                "A `Concatenate` layer should be called on a list of inputs. "
                f"Received: input_shape={input_shape}"
            )
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[self.axis] is None or shape[self.axis] is None:
                output_shape[self.axis] = None
                break
            output_shape[self.axis] += shape[self.axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                masks.append(torch.ones_like(x, dtype=torch.bool))
            elif m.dim() < x.dim():
                masks.append(m.unsqueeze(-1).expand(x.shape))
            else:
                masks.append(m)
        return torch.any(torch.cat(masks, dim=self.axis), dim=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of ``Concatenate``: ``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
