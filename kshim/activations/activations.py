"""Keras 3 activation functions on torch tensors.

Each function computes what Keras 3's torch backend computes, mostly through one
``torch.nn.functional`` op, and traces under ``torch.compile(fullgraph=True)``: every
branch is on Python arguments or static shapes, never on tensor values. Non-tensor
inputs (lists, numpy arrays, scalars) are converted with ``torch.as_tensor``.
"""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from kshim.saving.object_registration import keras_export


def _to_tensor(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def _upcast_dtype(x: torch.Tensor):
    # Keras computes (log-)softmax of float16 CPU tensors in float32 for accuracy.
    if x.dtype == torch.float16 and x.device.type == "cpu":
        return torch.float32
    return None


@keras_export("keras.activations.relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with optional leak, saturation and threshold.

    With the defaults this is ``max(x, 0)``. Values below ``threshold`` become
    ``negative_slope * (x - threshold)``, and outputs are capped at ``max_value``.

    Args:
        x: Input tensor.
        negative_slope: Slope for values below the threshold.
        max_value: Optional largest output value.
        threshold: Value below which inputs are damped or zeroed.

    Example:

    >>> import torch
    >>> x = torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0])
    >>> relu(x)
    tensor([ 0.,  0.,  0.,  5., 10.])
    >>> relu(x, negative_slope=0.5)
    tensor([-5.0000, -2.5000,  0.0000,  5.0000, 10.0000])
    >>> relu(x, max_value=5.0)
    tensor([0., 0., 0., 5., 5.])
    """
    x = _to_tensor(x)
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return F.leaky_relu(x, negative_slope)
        negative_part = F.relu(-x + threshold) if threshold != 0 else F.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = torch.where(x > threshold, x, 0.0)
    elif max_value == 6:
        x = F.relu6(x)
        clip_max = False
    else:
        x = F.relu(x)
    if clip_max:
        x = torch.clamp(x, 0, max_value)
    if negative_slope != 0.0:
        x = x - negative_slope * negative_part
    return x


@keras_export("keras.activations.leaky_relu")
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU: ``x`` if ``x >= 0`` else ``negative_slope * x``.

    Args:
        x: Input tensor.
        negative_slope: Slope for negative inputs.

    Example:

    >>> import torch
    >>> leaky_relu(torch.tensor([-1.0, 2.0]))
    tensor([-0.2000,  2.0000])
    """
    return F.leaky_relu(_to_tensor(x), negative_slope)


@keras_export("keras.activations.relu6")
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> relu6(torch.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """
    return F.relu6(_to_tensor(x))


def _check_softmax_axis(x: torch.Tensor, axis) -> None:
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        # warnings.warn breaks a torch.compile graph, so only eager calls warn.
        if not torch.compiler.is_compiling():
            warnings.warn(
                f"You are using a softmax over axis {axis} of a tensor of shape "
                f"{tuple(x.shape)}. This axis has size 1. The softmax operation will always "
                "return the value 1, which is likely not what you intended. Did you mean "
                "to use a sigmoid instead?",
                stacklevel=3,
            )


@keras_export("keras.activations.softmax")
def softmax(x, axis=-1):
    """Softmax: ``exp(x) / sum(exp(x))`` along ``axis``.

    Args:
        x: Input tensor.
        axis: Integer axis, tuple of axes, or ``None`` for all axes.

    Example:

    >>> import torch
    >>> softmax(torch.tensor([[1.0, 1.0], [0.0, 1e9]]))
    tensor([[0.5000, 0.5000],
            [0.0000, 1.0000]])
    """
    x = _to_tensor(x)
    _check_softmax_axis(x, axis)
    upcast = _upcast_dtype(x)
    if axis is None:
        out = F.softmax(x.reshape(-1), dim=0, dtype=upcast).reshape(x.shape)
    elif isinstance(axis, (tuple, list)):
        y = x if upcast is None else x.to(upcast)
        y = torch.exp(y - torch.amax(y, dim=tuple(axis), keepdim=True))
        out = y / torch.sum(y, dim=tuple(axis), keepdim=True)
    else:
        out = F.softmax(x, dim=axis, dtype=upcast)
    return out.to(x.dtype)


@keras_export("keras.activations.log_softmax")
def log_softmax(x, axis=-1):
    """Log-softmax: ``x - logsumexp(x)`` along ``axis``.

    Args:
        x: Input tensor.
        axis: Integer axis, tuple of axes, or ``None`` for all axes.

    Example:

    >>> import torch
    >>> log_softmax(torch.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """
    x = _to_tensor(x)
    upcast = _upcast_dtype(x)
    if axis is None:
        out = F.log_softmax(x.reshape(-1), dim=0, dtype=upcast).reshape(x.shape)
    elif isinstance(axis, (tuple, list)):
        y = x if upcast is None else x.to(upcast)
        out = y - torch.logsumexp(y, dim=tuple(axis), keepdim=True)
    else:
        out = F.log_softmax(x, dim=axis, dtype=upcast)
    return out.to(x.dtype)


@keras_export("keras.activations.elu")
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Args:
        x: Input tensor.
        alpha: Scale of the negative part.

    Example:

    >>> import torch
    >>> elu(torch.tensor([-1.0, 1.0]))
    tensor([-0.6321,  1.0000])
    """
    return F.elu(_to_tensor(x), alpha)


@keras_export("keras.activations.selu")
def selu(x):
    """Scaled ELU with ``alpha=1.67326324`` and ``scale=1.05070098``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> selu(torch.tensor([-1.0, 1.0]))
    tensor([-1.1113,  1.0507])
    """
    return F.selu(_to_tensor(x))


@keras_export("keras.activations.celu")
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        x: Input tensor.
        alpha: Scale of the negative part.

    Example:

    >>> import torch
    >>> celu(torch.tensor([-1.0, 1.0]), alpha=2.0)
    tensor([-0.7869,  1.0000])
    """
    return F.celu(_to_tensor(x), alpha=alpha)


@keras_export("keras.activations.softplus")
def softplus(x):
    """Softplus: ``log(exp(x) + 1)``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> softplus(torch.tensor([0.0]))
    tensor([0.6931])
    """
    return F.softplus(_to_tensor(x))


@keras_export("keras.activations.softsign")
def softsign(x):
    """Softsign: ``x / (abs(x) + 1)``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> softsign(torch.tensor([-1.0, 3.0]))
    tensor([-0.5000,  0.7500])
    """
    return F.softsign(_to_tensor(x))


@keras_export("keras.activations.soft_shrink")
def soft_shrink(x, threshold=0.5):
    """Soft shrink: ``x - threshold`` above, ``x + threshold`` below ``-threshold``, else 0.

    Args:
        x: Input tensor.
        threshold: Non-negative threshold.

    Example:

    >>> import torch
    >>> soft_shrink(torch.tensor([-1.0, 0.2, 1.0]))
    tensor([-0.5000,  0.0000,  0.5000])
    """
    return F.softshrink(_to_tensor(x), threshold)


@keras_export("keras.activations.sparse_plus")
def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)^2 / 4`` for ``-1 < x < 1``, else ``x``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> sparse_plus(torch.tensor([-2.0, 0.0, 2.0]))
    tensor([0.0000, 0.2500, 2.0000])
    """
    x = _to_tensor(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


@keras_export("keras.activations.silu", "keras.activations.swish")
def silu(x):
    """SiLU (swish): ``x * sigmoid(x)``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> silu(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7311])
    """
    return F.silu(_to_tensor(x))


@keras_export("keras.activations.squareplus")
def squareplus(x, b=4):
    """Squareplus: ``(x + sqrt(x^2 + b)) / 2``.

    Args:
        x: Input tensor.
        b: Smoothness parameter.

    Example:

    >>> import torch
    >>> squareplus(torch.tensor([0.0]))
    tensor([1.])
    """
    x = _to_tensor(x)
    return (x + torch.sqrt(x**2 + b)) / 2


@keras_export("keras.activations.gelu")
def gelu(x, approximate=False):
    """Gaussian error linear unit: ``x * P(X <= x)`` for ``X ~ N(0, 1)``.

    Args:
        x: Input tensor.
        approximate: Whether to use the tanh approximation.

    Example:

    >>> import torch
    >>> gelu(torch.tensor([1.0])), gelu(torch.tensor([1.0]), approximate=True)
    (tensor([0.8413]), tensor([0.8412]))
    """
    return F.gelu(_to_tensor(x), approximate="tanh" if approximate else "none")


@keras_export("keras.activations.glu")
def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` where ``x`` splits into halves ``a, b`` on ``axis``.

    Args:
        x: Input tensor; its size on ``axis`` must be even.
        axis: The axis to split.

    Example:

    >>> import torch
    >>> glu(torch.tensor([2.0, 0.0]))
    tensor([1.])
    """
    x = _to_tensor(x)
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            f"axis size must be divisible by 2. Received: x.shape={tuple(x.shape)} with axis={axis}"
        )
    return F.glu(x, dim=axis)


@keras_export("keras.activations.tanh")
def tanh(x):
    """Hyperbolic tangent.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> tanh(torch.tensor([0.0, 1.0]))
    tensor([0.0000, 0.7616])
    """
    return torch.tanh(_to_tensor(x))


@keras_export("keras.activations.tanh_shrink")
def tanh_shrink(x):
    """Tanh shrink: ``x - tanh(x)``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> tanh_shrink(torch.tensor([1.0]))
    tensor([0.2384])
    """
    return F.tanhshrink(_to_tensor(x))


@keras_export("keras.activations.hard_tanh")
def hard_tanh(x):
    """Hard tanh: ``x`` clipped to ``[-1, 1]``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> hard_tanh(torch.tensor([-2.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    return F.hardtanh(_to_tensor(x), min_val=-1.0, max_val=1.0)


@keras_export("keras.activations.hard_shrink")
def hard_shrink(x, threshold=0.5):
    """Hard shrink: ``x`` where ``abs(x) > threshold``, else 0.

    Args:
        x: Input tensor.
        threshold: Threshold value.

    Example:

    >>> import torch
    >>> hard_shrink(torch.tensor([-1.0, 0.2, 1.0]))
    tensor([-1.,  0.,  1.])
    """
    return F.hardshrink(_to_tensor(x), threshold)


@keras_export("keras.activations.threshold")
def threshold(x, threshold, default_value):
    """Threshold: ``x`` where ``x > threshold``, else ``default_value``.

    Args:
        x: Input tensor.
        threshold: The threshold.
        default_value: The value given to inputs at or below the threshold.

    Example:

    >>> import torch
    >>> threshold(torch.tensor([-1.0, 0.5, 2.0]), 0.5, -9.0)
    tensor([-9., -9.,  2.])
    """
    return F.threshold(_to_tensor(x), threshold, default_value)


@keras_export("keras.activations.sigmoid")
def sigmoid(x):
    """Sigmoid: ``1 / (1 + exp(-x))``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> sigmoid(torch.tensor([0.0]))
    tensor([0.5000])
    """
    return torch.sigmoid(_to_tensor(x))


@keras_export("keras.activations.sparse_sigmoid")
def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for ``x <= -1``, 1 for ``x >= 1``, else ``(x + 1) / 2``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> sparse_sigmoid(torch.tensor([-2.0, 0.0, 2.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    x = _to_tensor(x)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    one = torch.ones((), dtype=x.dtype, device=x.device)
    return torch.where(x <= -1, zero, torch.where(x >= 1, one, 0.5 * (x + 1)))


@keras_export("keras.activations.exponential")
def exponential(x):
    """Exponential: ``exp(x)``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> exponential(torch.tensor([0.0]))
    tensor([1.])
    """
    return torch.exp(_to_tensor(x))


@keras_export("keras.activations.hard_sigmoid")
def hard_sigmoid(x):
    """Hard sigmoid: ``relu6(x + 3) / 6``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> hard_sigmoid(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """
    return F.hardsigmoid(_to_tensor(x))


@keras_export("keras.activations.hard_silu", "keras.activations.hard_swish")
def hard_silu(x):
    """Hard SiLU (hard swish): ``x * relu6(x + 3) / 6``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> hard_silu(torch.tensor([-4.0, 0.0, 4.0]))
    tensor([-0., 0., 4.])
    """
    return F.hardswish(_to_tensor(x))


@keras_export("keras.activations.linear")
def linear(x):
    """Linear (identity): returns ``x`` unmodified.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> x = torch.tensor([1.0])
    >>> linear(x) is x
    True
    """
    return x


@keras_export("keras.activations.mish")
def mish(x):
    """Mish: ``x * tanh(softplus(x))``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> mish(torch.tensor([1.0]))
    tensor([0.8651])
    """
    x = _to_tensor(x)
    # Keras' formula; torch's fused F.mish differs from it by up to one ulp.
    return x * torch.tanh(F.softplus(x))


@keras_export("keras.activations.log_sigmoid")
def log_sigmoid(x):
    """Log-sigmoid: ``log(1 / (1 + exp(-x)))``.

    Args:
        x: Input tensor.

    Example:

    >>> import torch
    >>> log_sigmoid(torch.tensor([0.0]))
    tensor([-0.6931])
    """
    return F.logsigmoid(_to_tensor(x))


@keras_export("keras.activations.sparsemax")
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex.

    ``sparsemax(x) = max(x - tau, 0)``, where ``tau`` makes each slice along
    ``axis`` sum to 1 (Martins & Astudillo, 2016).

    Args:
        x: Input tensor.
        axis: The axis to normalize.

    Example:

    >>> import torch
    >>> sparsemax(torch.tensor([1.0, 0.5, 0.2]))
    tensor([0.7500, 0.2500, 0.0000])
    """
    x = _to_tensor(x)
    z, _ = torch.sort(x, dim=axis, descending=True)
    cumsum = torch.cumsum(z, dim=axis)
    rank_shape = [1] * x.ndim
    rank_shape[axis] = -1
    rank = torch.arange(1, x.shape[axis] + 1, device=x.device, dtype=x.dtype).view(rank_shape)
    support = z - (cumsum - 1) / rank > 0
    # At least one element is always in the support (k >= 1) unless the slice has NaNs.
    k = torch.sum(support, dim=axis, keepdim=True).clamp_(min=1)
    # Keras 3.15 sums the cumulative sums over the whole support here, which is only
    # right when the support has one element; tau uses the cumulative sum at k.
    tau = (torch.gather(cumsum, axis, k - 1) - 1) / k
    return torch.clamp(x - tau, min=0.0)
