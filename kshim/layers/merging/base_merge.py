"""``Merge``: the base of the layers that combine a list of tensors element-wise."""

from __future__ import annotations

import torch

from kshim.layers.layer import Layer


def elementwise_output_shape(shape1, shape2):
    """The broadcast of two shapes (without batch axis) as Keras' merge layers compute it;
    ``None`` if either is unknown. Raises ``ValueError`` naming both shapes."""
    if shape1 is None or shape2 is None:
        return None
    if len(shape1) < len(shape2):
        return elementwise_output_shape(shape2, shape1)
    if not shape2:
        return tuple(shape1)
    out = list(shape1[: -len(shape2)])
    for i, j in zip(shape1[-len(shape2) :], shape2):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1 or i == j:
            out.append(i)
        else:
            raise ValueError(
                f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and "
                f"{tuple(shape2)}"
            )
    return tuple(out)


def _check_list_shapes(input_shape) -> None:
    if (
        not isinstance(input_shape, (list, tuple))
        or not input_shape
        or not isinstance(input_shape[0], (list, tuple))
    ):
        raise ValueError(
            "A merge layer should be called on a list of inputs. "
            f"Received: input_shape={input_shape} (not a list of shapes)"
        )


class Merge(Layer):
    """Base of the merge layers: called on a list of tensors, it broadcasts them (inputs
    of lower rank get size-1 axes after the batch axis) and combines them with
    ``_merge_function``.

    Masks come in as a list (one per input, ``None`` for unmasked inputs); the output
    mask is their logical OR, or ``None`` if any input is unmasked.

    Args:
        **kwargs: Base ``Layer`` arguments.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._expand_index = None  # per input: the index that adds its missing axes

    def _merge_function(self, inputs, masks):
        raise NotImplementedError

    def build(self, input_shape):
        _check_list_shapes(input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                "Cannot merge tensors with different batch sizes. "
                f"Received tensors with shapes {list(map(tuple, input_shape))}"
            )
        output_shape = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = elementwise_output_shape(output_shape, tuple(shape[1:]))
        ranks = [len(s) for s in input_shape]
        if len(set(ranks)) > 1:
            # Lower-rank inputs get size-1 axes right after the batch axis (views).
            top = max(ranks)
            self._expand_index = tuple(
                None if r == top else (slice(None),) + (None,) * (top - r) for r in ranks
            )
        else:
            self._expand_index = None

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "A merge layer should be called on a list of inputs. "
                f"Received: inputs={inputs} (not a list of tensors)"
            )
        index = self._expand_index
        if index is not None:
            inputs = [x if i is None else x[i] for x, i in zip(inputs, index)]
        if mask is None:
            masks = None
        elif isinstance(mask, (list, tuple)):
            masks = mask if any(m is not None for m in mask) else None
        else:
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        return self._merge_function(inputs, masks)

    def _masked_fold(self, op, inputs, masks):
        """Combines ``inputs`` with ``op``, ignoring masked positions of each input as
        Keras' ``Maximum``/``Minimum`` do."""
        if masks is None:
            output = inputs[0]
            for x in inputs[1:]:
                output = op(output, x)
            return output
        output = output_mask = None
        for x, m in zip(inputs, masks):
            if m is not None:
                m = m.unsqueeze(-1)
            if output is None:
                output, output_mask = x, m
                continue
            if m is not None:
                x = torch.where(m, x, output)
            if output_mask is not None:
                output = torch.where(output_mask, output, x)
            output_mask = (
                torch.logical_or(output_mask, m)
                if m is not None and output_mask is not None
                else None
            )
            output = op(output, x)
        return output

    def compute_output_shape(self, input_shape):
        output_shape = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = elementwise_output_shape(
                output_shape, None if shape is None else tuple(shape[1:])
            )
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        return (batch, *output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if any(m is None for m in mask):
            return None
        output_mask = mask[0]
        for m in mask[1:]:
            output_mask = torch.logical_or(output_mask, m)
        return output_mask

    def get_config(self):
        return super().get_config()


def _check_mask_list(inputs, mask) -> None:
    if not isinstance(mask, (tuple, list)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask}")
    if not isinstance(inputs, (tuple, list)):
        raise ValueError(f"`inputs` should be a list. Received: inputs={inputs}")
    if len(mask) != len(inputs):
        raise ValueError(
            "The lists `inputs` and `mask` should have the same length. "
            f"Received: inputs={inputs} of length {len(inputs)}, and "
            f"mask={mask} of length {len(mask)}"
        )
