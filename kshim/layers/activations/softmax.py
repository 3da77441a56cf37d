"""``Softmax``: softmax along an axis, with optional masking."""

from __future__ import annotations

import torch

from kshim import activations
from kshim.layers.layer import Layer


def _large_negative(dtype: torch.dtype) -> float:
    # The most negative logit that float16 still holds comfortably.
    return -3e4 if dtype == torch.float16 else -1e9


class Softmax(Layer):
    """Softmax activation along ``axis``.

    With a ``mask`` (``True``, or values ``> 0.5``, where inputs are kept; broadcastable
    to the input), masked positions get a large negative logit before the softmax and
    are zero afterwards, so that a fully masked row gives zeros, not a uniform
    distribution.

    Args:
        axis: Integer axis, or a tuple/list of axes, to normalize over (``None``: all).
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any.

    Output shape:
        Same as the input.

    >>> import torch
    >>> x = torch.tensor([[1.0, 1.0, 5.0]])
    >>> Softmax()(x, mask=torch.tensor([[True, True, False]]))
    tensor([[0.5000, 0.5000, 0.0000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise ValueError(
                    f"Argument `axis` of Softmax must be an integer or a non-empty list of "
                    f"integers. Received: axis={axis}"
                )
        elif axis is not None and (isinstance(axis, bool) or not isinstance(axis, int)):
            raise ValueError(
                "Argument `axis` of Softmax must be an integer or a non-empty list of "
                f"integers. Received: axis={axis}"
            )
        self.axis = axis
        self.supports_masking = True
        if isinstance(axis, (list, tuple)) and len(axis) > 1:
            self._dims = tuple(axis)
        else:
            self._dims = None
            self._dim = axis[0] if isinstance(axis, (list, tuple)) else axis

    def call(self, inputs, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
            if mask.dtype != torch.bool:
                mask = mask > 0.5
            inputs = torch.where(mask, inputs, _large_negative(inputs.dtype))
        if self._dims is not None:
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=self._dims, keepdim=True))
        else:
            outputs = activations.softmax(inputs, axis=self._dim)
        if mask is not None:
            # A fully masked axis would otherwise come out uniform.
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    @staticmethod
    def _check_mask(inputs, mask) -> None:
        if mask.dim() > inputs.dim():
            raise ValueError(
                "The `mask` must be broadcastable to `inputs` and must not have more "
                f"dimensions. Received: inputs.shape={tuple(inputs.shape)}, "
                f"mask.shape={tuple(mask.shape)}"
            )
        for m_dim, i_dim in zip(reversed(mask.shape), reversed(inputs.shape)):
            if m_dim != 1 and m_dim != i_dim:
                raise ValueError(
                    "The `mask` must be broadcastable to `inputs`. Each mask dimension must "
                    "be 1 or match the corresponding input dimension. Received: "
                    f"inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}"
                )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
