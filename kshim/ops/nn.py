"""Neural-network ops (``keras.ops.nn``) on torch tensors.

Convolution and pooling take Keras layouts: ``channels_last`` inputs by default and
kernels of shape ``spatial + (in_channels, out_channels)``; they are permuted to torch's
layouts on the fly. ``"same"`` padding follows TensorFlow (extra padding at the end).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim.backend.config import epsilon as _default_epsilon
from kshim.backend.config import floatx, standardize_data_format, to_torch_dtype
from kshim.ops.core import _as_tensor, _convert
from kshim.ops.numpy import _HALF, _canonical_axis, _to_float

# --------------------------------------------------------------------------- activations


def relu(x) -> torch.Tensor:
    """Rectified linear unit, ``max(x, 0)``.

    >>> relu(torch.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return F.relu(_as_tensor(x))


def relu6(x) -> torch.Tensor:
    """``min(max(x, 0), 6)``."""
    return F.relu6(_as_tensor(x))


def sigmoid(x) -> torch.Tensor:
    """Logistic sigmoid, ``1 / (1 + exp(-x))``."""
    return torch.sigmoid(_to_float(_as_tensor(x)))


def tanh(x) -> torch.Tensor:
    """Hyperbolic tangent."""
    return torch.tanh(_to_float(_as_tensor(x)))


def softplus(x) -> torch.Tensor:
    """``log(1 + exp(x))``."""
    return F.softplus(_as_tensor(x))


def softsign(x) -> torch.Tensor:
    """``x / (1 + |x|)``."""
    return F.softsign(_as_tensor(x))


def silu(x) -> torch.Tensor:
    """Sigmoid linear unit (swish), ``x * sigmoid(x)``."""
    return F.silu(_as_tensor(x))


swish = silu


def log_sigmoid(x) -> torch.Tensor:
    """``log(sigmoid(x))``, computed stably."""
    return F.logsigmoid(_as_tensor(x))


def leaky_relu(x, negative_slope=0.2) -> torch.Tensor:
    """``x`` for positive inputs, ``negative_slope * x`` otherwise."""
    return F.leaky_relu(_as_tensor(x), negative_slope=negative_slope)


def hard_sigmoid(x) -> torch.Tensor:
    """Piecewise-linear sigmoid, ``relu6(x + 3) / 6``."""
    return F.hardsigmoid(_as_tensor(x))


def hard_silu(x) -> torch.Tensor:
    """``x * hard_sigmoid(x)`` (hard swish)."""
    return F.hardswish(_as_tensor(x))


hard_swish = hard_silu


def elu(x, alpha=1.0) -> torch.Tensor:
    """Exponential linear unit."""
    return F.elu(_as_tensor(x), alpha=alpha)


def selu(x) -> torch.Tensor:
    """Scaled exponential linear unit."""
    return F.selu(_as_tensor(x))


def gelu(x, approximate=True) -> torch.Tensor:
    """Gaussian error linear unit; the tanh approximation by default, as in Keras.

    >>> gelu(torch.tensor([1.0]))
    tensor([0.8412])
    >>> gelu(torch.tensor([1.0]), approximate=False)
    tensor([0.8413])
    """
    return F.gelu(_as_tensor(x), approximate="tanh" if approximate else "none")


def celu(x, alpha=1.0) -> torch.Tensor:
    """Continuously differentiable exponential linear unit."""
    return F.celu(_as_tensor(x), alpha=alpha)


def glu(x, axis=-1) -> torch.Tensor:
    """Gated linear unit: the first half of ``axis`` times the sigmoid of the second."""
    return F.glu(_as_tensor(x), dim=axis)


def hard_tanh(x) -> torch.Tensor:
    """``x`` clipped to ``[-1, 1]``."""
    return F.hardtanh(_as_tensor(x))


def hard_shrink(x, threshold=0.5) -> torch.Tensor:
    """``x`` where ``|x| > threshold``, 0 elsewhere."""
    return F.hardshrink(_as_tensor(x), lambd=threshold)


def soft_shrink(x, threshold=0.5) -> torch.Tensor:
    """``x`` moved ``threshold`` towards 0, and 0 where ``|x| <= threshold``."""
    return F.softshrink(_as_tensor(x), lambd=threshold)


def tanh_shrink(x) -> torch.Tensor:
    """``x - tanh(x)``."""
    return F.tanhshrink(_as_tensor(x))


def threshold(x, threshold, default_value) -> torch.Tensor:
    """``x`` where ``x > threshold``, ``default_value`` elsewhere."""
    return F.threshold(_as_tensor(x), threshold, default_value)


def squareplus(x, b=4) -> torch.Tensor:
    """``(x + sqrt(x ** 2 + b)) / 2``."""
    x = _to_float(_as_tensor(x))
    return (x + torch.sqrt(x * x + b)) / 2


def sparse_plus(x) -> torch.Tensor:
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1) ** 2 / 4`` between."""
    x = _to_float(_as_tensor(x))
    return torch.where(x <= -1, 0.0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x)).to(x.dtype)


def sparse_sigmoid(x) -> torch.Tensor:
    """``(x + 1) / 2`` clipped to ``[0, 1]``."""
    x = _to_float(_as_tensor(x))
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


def _softmax_like(fn, x, axis):
    x = _to_float(_as_tensor(x))
    upcast = torch.float32 if x.dtype in _HALF else None  # accumulate halves in float32
    if axis is None:
        return fn(x.reshape(-1), dim=0, dtype=upcast).reshape(x.shape).to(x.dtype)
    if isinstance(axis, (tuple, list)):
        axes = sorted(_canonical_axis(a, x.ndim) for a in axis)
        keep = [d for d in range(x.ndim) if d not in axes]
        moved = x.permute(keep + axes)
        flat = moved.reshape([x.shape[d] for d in keep] + [-1])
        out = fn(flat, dim=-1, dtype=upcast).reshape(moved.shape)
        inverse = [0] * x.ndim
        for i, d in enumerate(keep + axes):
            inverse[d] = i
        return out.permute(inverse).to(x.dtype)
    return fn(x, dim=axis, dtype=upcast).to(x.dtype)


def softmax(x, axis=-1) -> torch.Tensor:
    """Softmax over ``axis`` (an int, a tuple of ints, or ``None`` for all axes).

    >>> softmax(torch.tensor([-1.0, 0.0, 1.0]))
    tensor([0.0900, 0.2447, 0.6652])
    """
    return _softmax_like(F.softmax, x, axis)


def log_softmax(x, axis=-1) -> torch.Tensor:
    """Logarithm of `softmax`, computed stably."""
    return _softmax_like(F.log_softmax, x, axis)


def sparsemax(x, axis=-1) -> torch.Tensor:
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex."""
    x = _to_float(_as_tensor(x))
    z = torch.sort(x, dim=axis, descending=True).values
    n = x.shape[axis]
    view = [1] * x.ndim
    view[axis] = n
    k = torch.arange(1, n + 1, dtype=x.dtype, device=x.device).reshape(view)
    cumsum = torch.cumsum(z, dim=axis)
    support = (1 + k * z) > cumsum
    k_max = torch.sum(support, dim=axis, keepdim=True)
    tau = (torch.gather(cumsum, axis, k_max - 1) - 1) / k_max.to(x.dtype)
    return torch.clamp(x - tau, min=0.0)


# ------------------------------------------------------------------------- normalization
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (population) variance of ``x`` over ``axes``.

    Half-precision inputs are reduced in float32 and the results cast back.

    Args:
        x: Input tensor.
        axes: Axis or axes to reduce.
        keepdims: Keep the reduced axes with size 1.
        synchronized: Also reduce across the processes of the default
            ``torch.distributed`` group when one is initialised (as Keras' synchronized
            batch normalization does); ignored otherwise.

    Returns:
        ``(mean, variance)``.

    >>> mean, variance = moments(torch.tensor([[1.0, 2.0], [3.0, 6.0]]), axes=0)
    >>> mean, variance
    (tensor([2., 4.]), tensor([1., 4.]))
    """
    x = _to_float(_as_tensor(x))
    dims = (axes,) if isinstance(axes, int) else tuple(axes)
    orig = x.dtype
    if orig in _HALF:
        x = x.to(torch.float32)
    if synchronized and _distributed_ready():
        mean, variance = _synchronized_moments(x, dims)
        if not keepdims:
            mean, variance = mean.squeeze(dims), variance.squeeze(dims)
    else:
        variance, mean = torch.var_mean(x, dim=dims, correction=0, keepdim=keepdims)
    if orig in _HALF:
        info = torch.finfo(orig)
        mean = torch.clamp(mean, info.min, info.max).to(orig)
        variance = torch.clamp(variance, info.min, info.max).to(orig)
    return mean, variance


def _distributed_ready() -> bool:
    dist = torch.distributed
    return dist.is_available() and dist.is_initialized()


def _synchronized_moments(x, dims):
    # Functional collectives are differentiable and traceable.
    from torch.distributed import _functional_collectives as collectives

    count = 1
    for d in dims:
        count *= x.shape[d]
    local_sum = x.sum(dim=dims, keepdim=True)
    local_sq = (x * x).sum(dim=dims, keepdim=True)
    count = torch.full_like(local_sum, count)
    stacked = torch.stack([local_sum, local_sq, count])
    total = collectives.all_reduce(stacked, "sum", torch.distributed.group.WORLD)
    mean = total[0] / total[2]
    variance = torch.clamp(total[1] / total[2] - mean * mean, min=0.0)
    return mean, variance


def _along(v, axis, ndim):
    """Reshapes a 1-D per-channel tensor so it broadcasts along ``axis``."""
    if v is None or v.ndim != 1 or axis % ndim == ndim - 1:
        return v
    shape = [1] * ndim
    shape[axis] = v.shape[0]
    return v.reshape(shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` along ``axis``.

    >>> batch_normalization(torch.tensor([[1.0, 2.0]]), torch.tensor([1.0, 0.0]),
    ...                     torch.tensor([1.0, 4.0]), axis=-1, epsilon=0.0)
    tensor([[0., 1.]])
    """
    x = _as_tensor(x)
    ndim = x.ndim
    mean = _along(_as_tensor(mean), axis, ndim)
    inv = torch.rsqrt(_along(_as_tensor(variance), axis, ndim) + epsilon)
    if scale is not None:
        inv = inv * _along(_as_tensor(scale), axis, ndim)
    out = (x - mean) * inv
    if offset is not None:
        out = out + _along(_as_tensor(offset), axis, ndim)
    return out


def normalize(x, axis=-1, order=2, epsilon=None) -> torch.Tensor:
    """``x / max(norm(x, order), epsilon)`` along ``axis``.

    >>> normalize(torch.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if not isinstance(order, int) or not order >= 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = _to_float(_as_tensor(x))
    if x.ndim == 0:
        x = x.unsqueeze(0)
    if epsilon is None:
        epsilon = _default_epsilon()
    if order == 2:
        inv = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
        return x * torch.clamp(inv, max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


def _normalized_axes(x, axis):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(_canonical_axis(a, x.ndim) for a in axes)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None) -> torch.Tensor:
    """Normalizes ``x`` to zero mean and unit variance over ``axis``, then scales and
    shifts by ``gamma`` and ``beta``. Half precision is computed in float32."""
    x = _as_tensor(x)
    orig = x.dtype
    x = x.to(torch.float32) if orig in _HALF or not x.is_floating_point() else x
    eps = _default_epsilon() if epsilon is None else epsilon
    axes = _normalized_axes(x, axis)
    gamma = None if gamma is None else _as_tensor(gamma).to(x.dtype)
    beta = None if beta is None else _as_tensor(beta).to(x.dtype)
    if axes == list(range(x.ndim - len(axes), x.ndim)):
        shape = tuple(x.shape[d] for d in axes)
        out = F.layer_norm(
            x,
            shape,
            None if gamma is None else gamma.reshape(shape),
            None if beta is None else beta.reshape(shape),
            eps,
        )
    else:
        bshape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
        variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=True)
        out = (x - mean) * torch.rsqrt(variance + eps)
        if gamma is not None:
            out = out * gamma.reshape(bshape)
        if beta is not None:
            out = out + beta.reshape(bshape)
    return out.to(orig) if orig.is_floating_point else out


def rms_normalization(x, scale=None, axis=-1, epsilon=None) -> torch.Tensor:
    """``x * rsqrt(mean(x ** 2, axis) + epsilon) * scale``; halves computed in float32."""
    x = _as_tensor(x)
    orig = x.dtype
    x = x.to(torch.float32) if orig in _HALF or not x.is_floating_point() else x
    eps = _default_epsilon() if epsilon is None else epsilon
    axes = _normalized_axes(x, axis)
    out = x * torch.rsqrt(torch.mean(x * x, dim=axes, keepdim=True) + eps)
    if scale is not None:
        scale = _as_tensor(scale).to(x.dtype)
        if scale.ndim != x.ndim:
            scale = scale.reshape([x.shape[d] if d in axes else 1 for d in range(x.ndim)])
        out = out * scale
    return out.to(orig) if orig.is_floating_point else out


# -------------------------------------------------------------- convolution and pooling
def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {name}={value}"
        )
    return value


def _padding(padding: str) -> str:
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(
            f"The `padding` argument must be one of 'valid', 'same'. Received: padding={padding}"
        )
    return padding


def _to_channels_first(x):
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def _to_channels_last(x):
    return x.permute(0, *range(2, x.ndim), 1)


def _same_pads(spatial, kernel, strides, dilation):
    pads = []
    for size, k, s, d in zip(spatial, kernel, strides, dilation, strict=True):
        effective = (k - 1) * d + 1
        out = -(-size // s)
        total = max((out - 1) * s + effective - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _flat_pad(pads):
    flat = []
    for before, after in reversed(pads):
        flat += [before, after]
    return flat


def _check_spatial(x, what):
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"Inputs to {what} must have ndim=3, 4 or 5, corresponding to 1D, 2D and 3D "
            f"inputs. Received input shape: {tuple(x.shape)}."
        )


_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _kernel_to_torch(kernel):
    # Keras (spatial..., in, out) -> torch (out, in, spatial...).
    n = kernel.ndim - 2
    return kernel.permute(n + 1, n, *range(n))


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D to 3-D) with a Keras kernel ``spatial + (in, out)``.

    Input channels that are a multiple of the kernel's input channels make a grouped
    convolution.

    Args:
        inputs: ``(batch, *spatial, channels)`` (or channels first).
        kernel: ``(*kernel_spatial, in_channels // groups, out_channels)``.
        strides: Int or tuple of ints.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses the global
            setting.
        dilation_rate: Int or tuple of ints.

    >>> conv(torch.ones(1, 5, 5, 2), torch.ones(3, 3, 2, 4), padding="same").shape
    torch.Size([1, 5, 5, 4])
    """
    x = _as_tensor(inputs)
    kernel = _as_tensor(kernel)
    _check_spatial(x, "conv operation")
    n = x.ndim - 2
    data_format = standardize_data_format(data_format)
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    if data_format == "channels_last":
        x = _to_channels_first(x)
    weight = _kernel_to_torch(kernel)
    if x.shape[1] % weight.shape[1] != 0:
        raise ValueError(
            f"The number of input channels ({x.shape[1]}) must be divisible by the kernel's "
            f"input channels ({weight.shape[1]}). Received: inputs.shape="
            f"{tuple(_as_tensor(inputs).shape)}, kernel.shape={tuple(kernel.shape)}"
        )
    groups = x.shape[1] // weight.shape[1]
    pad = 0
    if _padding(padding) == "same":
        pads = _same_pads(x.shape[2:], weight.shape[2:], strides, dilation)
        if all(a == b for a, b in pads):
            pad = tuple(a for a, _ in pads)
        else:
            x = F.pad(x, _flat_pad(pads))
    out = _CONV[n](x, weight, None, strides, pad, dilation, groups)
    return _to_channels_last(out) if data_format == "channels_last" else out


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
) -> torch.Tensor:
    """Depthwise convolution with a kernel ``spatial + (in_channels, multiplier)``."""
    kernel = _as_tensor(kernel)
    kernel = kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def separable_conv(
    inputs,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
) -> torch.Tensor:
    """A depthwise convolution followed by a pointwise (1x1) convolution."""
    out = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(out, pointwise_kernel, 1, "valid", data_format, 1)


def _transpose_pads(kernel, stride, dilation, padding, output_padding):
    # Padding of the equivalent (input-dilated) convolution, as Keras/JAX define it.
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return effective - 1, effective - 1 + extra
    if output_padding is None:
        total = stride + effective - 2
    else:
        total = effective + effective % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, effective - 1)
    return left, total - left


def conv_transpose(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format=None,
    dilation_rate=1,
) -> torch.Tensor:
    """Transposed convolution with a Keras kernel ``spatial + (out_channels, in_channels)``.

    >>> conv_transpose(torch.ones(1, 4, 4, 3), torch.ones(3, 3, 2, 3), strides=2,
    ...                padding="same").shape
    torch.Size([1, 8, 8, 2])
    """
    x = _as_tensor(inputs)
    kernel = _as_tensor(kernel)
    _check_spatial(x, "conv transpose operation")
    n = x.ndim - 2
    data_format = standardize_data_format(data_format)
    padding = _padding(padding)
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    out_pad = (None,) * n if output_padding is None else _tuple(output_padding, n, "output_padding")
    if data_format == "channels_last":
        x = _to_channels_first(x)
    # Keras (spatial..., out, in) -> torch (in, out, spatial...).
    weight = kernel.permute(n + 1, n, *range(n))
    full = _CONV_T[n](x, weight, None, strides, 0, 0, 1, dilation)
    # torch gave the widest output (padding kernel-1 on both sides); crop to Keras'.
    index = [slice(None), slice(None)]
    extra = []
    for i in range(n):
        effective = (kernel.shape[i] - 1) * dilation[i] + 1
        left, right = _transpose_pads(kernel.shape[i], strides[i], dilation[i], padding, out_pad[i])
        crop_left, crop_right = effective - 1 - left, effective - 1 - right
        stop = full.shape[2 + i] - max(crop_right, 0)
        index.append(slice(max(crop_left, 0), stop))
        extra.append((max(-crop_left, 0), max(-crop_right, 0)))
    out = full[tuple(index)]
    if any(a or b for a, b in extra):
        out = F.pad(out, _flat_pad(extra))
    return _to_channels_last(out) if data_format == "channels_last" else out


_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _pool_setup(inputs, pool_size, strides, data_format):
    x = _as_tensor(inputs)
    _check_spatial(x, "pooling op")
    n = x.ndim - 2
    pool_size = _tuple(pool_size, n, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, n, "strides")
    data_format = standardize_data_format(data_format)
    if data_format == "channels_last":
        x = _to_channels_first(x)
    return x, n, pool_size, strides, data_format


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1 to 3 spatial axes; ``strides`` default to ``pool_size``.

    >>> max_pool(torch.arange(16.0).reshape(1, 4, 4, 1), 2)[0, ..., 0]
    tensor([[ 5.,  7.],
            [13., 15.]])
    """
    x, n, pool_size, strides, data_format = _pool_setup(inputs, pool_size, strides, data_format)
    pad = 0
    if _padding(padding) == "same":
        pads = _same_pads(x.shape[2:], pool_size, strides, (1,) * n)
        if all(a == b for a, b in pads):
            pad = tuple(a for a, _ in pads)
        else:
            low = float("-inf") if x.is_floating_point() else torch.iinfo(x.dtype).min
            x = F.pad(x, _flat_pad(pads), value=low)
    out = _MAX_POOL[n](x, pool_size, strides, pad)
    return _to_channels_last(out) if data_format == "channels_last" else out


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1 to 3 spatial axes; with ``"same"`` padding the padded
    positions are not counted (TensorFlow's semantics)."""
    x, n, pool_size, strides, data_format = _pool_setup(inputs, pool_size, strides, data_format)
    if _padding(padding) != "same":
        out = _AVG_POOL[n](x, pool_size, strides, 0)
    else:
        pads = _same_pads(x.shape[2:], pool_size, strides, (1,) * n)
        if all(a == b for a, b in pads):
            pad = tuple(a for a, _ in pads)
            out = _AVG_POOL[n](x, pool_size, strides, pad, count_include_pad=False)
        else:
            flat = _flat_pad(pads)
            ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
            total = _AVG_POOL[n](F.pad(x, flat), pool_size, strides, 0)
            count = _AVG_POOL[n](F.pad(ones, flat), pool_size, strides, 0)
            out = total / count
    return _to_channels_last(out) if data_format == "channels_last" else out


# ----------------------------------------------------------------------------- encoding
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False) -> torch.Tensor:
    """One-hot encoding of integer ``x``; negative or too large indices give all zeros.

    >>> one_hot(torch.tensor([0, 2, -1]), 3)
    tensor([[1., 0., 0.],
            [0., 0., 1.],
            [0., 0., 0.]])
    """
    if sparse:
        raise ValueError("Unsupported value `sparse=True` with the torch backend.")
    x = _as_tensor(x)
    classes = torch.arange(num_classes, device=x.device)
    out = (x.to(torch.int64).unsqueeze(-1) == classes).to(to_torch_dtype(dtype or floatx()))
    if axis != -1 and axis != out.ndim - 1:
        out = torch.movedim(out, -1, axis)
    return out


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: one-hot codes of the indices in each row, combined with OR."""
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if num_classes is None:
        raise ValueError("Argument `num_classes` must be specified.")
    x = _as_tensor(inputs)
    reduce_axis = 1 if x.ndim > 1 else 0
    return torch.amax(
        one_hot(x, num_classes, axis=axis, dtype=dtype, sparse=sparse), dim=reduce_axis
    )


# --------------------------------------------------------------------------------- losses
def _clip_probabilities(output):
    eps = _default_epsilon()
    return torch.clamp(output, eps, 1.0 - eps)


def binary_crossentropy(target, output, from_logits=False) -> torch.Tensor:
    """Element-wise binary cross-entropy (no reduction).

    >>> binary_crossentropy(torch.tensor([1.0, 0.0]), torch.tensor([0.9, 0.2]))
    tensor([0.1054, 0.2231])
    """
    output = _as_tensor(output)
    target = (
        _as_tensor(target)
        if isinstance(target, torch.Tensor)
        else _convert(target, None, output.device)
    )
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    return F.binary_cross_entropy(_clip_probabilities(output), target, reduction="none")


def categorical_crossentropy(target, output, from_logits=False, axis=-1) -> torch.Tensor:
    """Cross-entropy between one-hot (or soft) targets and predictions along ``axis``."""
    output = _as_tensor(output)
    target = (
        _as_tensor(target)
        if isinstance(target, torch.Tensor)
        else _convert(target, None, output.device)
    )
    if target.shape != output.shape:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    if output.ndim < 1:
        raise ValueError(
            "Arguments `target` and `output` must be at least rank 1. Received: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    if from_logits:
        log_prob = F.log_softmax(output, dim=axis)
    else:
        output = output / torch.sum(output, dim=axis, keepdim=True)
        log_prob = torch.log(_clip_probabilities(output))
    return -torch.sum(target * log_prob, dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class targets and predictions along ``axis``."""
    output = _as_tensor(output)
    target = (
        _as_tensor(target)
        if isinstance(target, torch.Tensor)
        else _convert(target, None, output.device)
    )
    target = target.to(torch.int64)
    if output.ndim < 1:
        raise ValueError(
            f"Argument `output` must be at least rank 1. Received: output.shape={tuple(output.shape)}"
        )
    if target.ndim == output.ndim and target.shape[axis] == 1:
        target = target.squeeze(axis)
    expected = list(output.shape)
    del expected[axis]
    if list(target.shape) != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the last "
            f"dimension: target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    # torch's losses want classes on axis 1 (and a batch axis).
    squeeze = output.ndim == 1
    if squeeze:
        output, target = output.unsqueeze(0), target.unsqueeze(0)
    else:
        output = torch.movedim(output, axis % output.ndim, 1)
    if from_logits:
        result = F.cross_entropy(output, target, reduction="none")
    else:
        output = output / torch.sum(output, dim=1, keepdim=True)
        result = F.nll_loss(torch.log(_clip_probabilities(output)), target, reduction="none")
    return result.squeeze(0) if squeeze else result


# ------------------------------------------------------------------------------ attention
def _large_negative(dtype: torch.dtype) -> float:
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale=None,
    is_causal=False,
    flash_attention=None,
    attn_logits_soft_cap=None,
) -> torch.Tensor:
    """Scaled dot-product attention on ``(batch, length, heads, head_dim)`` tensors.

    Grouped-query attention is used when ``key``/``value`` have fewer heads than
    ``query``. ``mask`` (boolean, ``True`` = attend) and ``bias`` (additive) are mutually
    exclusive, as in Keras; fully masked rows attend uniformly instead of giving NaN.

    Args:
        query: ``(B, T, N, H)``.
        key: ``(B, S, K, H)`` with ``N`` a multiple of ``K``.
        value: ``(B, S, K, H)``.
        bias: Optional additive bias broadcastable to ``(B, N, T, S)``.
        mask: Optional boolean mask broadcastable to ``(B, N, T, S)``.
        scale: Logit scale; ``1 / sqrt(H)`` by default.
        is_causal: Apply a causal mask.
        flash_attention: ``True`` forces torch's flash kernel (raising where it cannot
            run), ``None``/``False`` let torch choose.
        attn_logits_soft_cap: Not supported (Keras supports it only with JAX on TPU).

    >>> q = torch.ones(2, 4, 8, 16)
    >>> dot_product_attention(q, torch.ones(2, 6, 8, 16), torch.ones(2, 6, 8, 16)).shape
    torch.Size([2, 4, 8, 16])
    """
    if attn_logits_soft_cap is not None:
        raise ValueError(
            "attn_logits_soft_cap is only supported for JAX on TPU. "
            "Set attn_logits_soft_cap=None when not using JAX on TPU."
        )
    query, key, value = _as_tensor(query), _as_tensor(key), _as_tensor(value)
    if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
        raise ValueError(
            "`dot_product_attention` only supports 4D inputs. Received: "
            f"query.shape={tuple(query.shape)}, key.shape={tuple(key.shape)}, "
            f"value.shape={tuple(value.shape)}."
        )
    if bias is not None and mask is not None:
        raise ValueError("Only one of `bias` and `mask` can be provided. Received both.")
    dt = torch.promote_types(torch.promote_types(query.dtype, key.dtype), value.dtype)
    query, key, value = query.to(dt), key.to(dt), value.to(dt)
    attn_mask = None
    if mask is not None:
        mask = _as_tensor(mask).to(device=query.device, dtype=torch.bool)
        if is_causal:
            t, s = query.shape[1], key.shape[1]
            mask = mask & torch.ones((t, s), dtype=torch.bool, device=mask.device).tril()
            is_causal = False
        attn_mask = torch.where(mask, 0.0, _large_negative(dt)).to(dt)
    elif bias is not None:
        attn_mask = _as_tensor(bias).to(device=query.device, dtype=dt)
    q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)
    gqa = q.shape[1] != k.shape[1]

    def attend():
        return F.scaled_dot_product_attention(
            q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale, enable_gqa=gqa
        )

    if flash_attention:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
            out = attend()
    else:
        out = attend()
    return out.transpose(1, 2)


def psnr(x1, x2, max_val) -> torch.Tensor:
    """Peak signal-to-noise ratio between ``x1`` and ``x2`` in dB."""
    x1 = _to_float(_as_tensor(x1))
    x2 = _as_tensor(x2) if isinstance(x2, torch.Tensor) else _convert(x2, None, x1.device)
    mse = torch.mean((x1 - x2) ** 2)
    max_val = torch.as_tensor(max_val, dtype=x1.dtype, device=x1.device)
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)
