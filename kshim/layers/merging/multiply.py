"""``Multiply``: the element-wise product of a list of tensors."""

from __future__ import annotations

import torch

from kshim.layers.merging.base_merge import Merge


class Multiply(Merge):
    """Multiplies a list of tensors element-wise.

    With masks, masked positions of an input count as 1; if every input is masked the
    output is 0 wherever all of them are masked, as in Keras.

    Args:
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        A list of tensors ``(batch_size, ...)``.

    Output shape:
        Their broadcast shape.

    >>> import torch
    >>> Multiply()([torch.full((1, 2), 2.0), torch.full((1, 2), 3.0)])
    tensor([[6., 6.]])
    """

    def _merge_function(self, inputs, masks):
        if masks is None:
            output = inputs[0]
            for x in inputs[1:]:
                output = output * x
            return output
        all_masked = all(m is not None for m in masks)
        output = output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = m.unsqueeze(-1)
                x = torch.where(m, x, 1)
                if all_masked:
                    output_mask = m if output_mask is None else torch.logical_or(output_mask, m)
            output = x if output is None else output * x
        if all_masked:
            output = torch.where(output_mask, output, 0)
        return output


def multiply(inputs, **kwargs):
    """Functional form of ``Multiply``: ``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)
