"""``Normalization``: ``(inputs - mean) / sqrt(variance)`` with statistics set or adapted."""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from kshim.backend import config
from kshim.layers.layer import Layer


def _first_of(batch):
    """The inputs of a batch: ``x`` of an ``(x, y)`` or ``(x, y, sample_weight)`` tuple."""
    return batch[0] if isinstance(batch, tuple) else batch


class Normalization(Layer):
    """Feature-wise normalization: ``(inputs - mean) / sqrt(variance)``.

    The statistics are either given (``mean`` and ``variance``) or computed from data
    with ``adapt()``, which stores them in the non-trainable weights ``mean``,
    ``variance`` and ``count`` (Keras' layout; ``count`` is kept for compatibility
    and stays 0, as in Keras). The standard deviation is floored at
    ``kshim.config.epsilon()``.

    Args:
        axis: The axis or axes that keep their own statistics (``-1``: one mean per
            feature of the last axis). ``None`` means one scalar mean and variance.
        mean: Optional mean, broadcastable to the kept axes (with ``variance``).
        variance: Optional variance, broadcastable to the kept axes (with ``mean``).
        invert: If ``True``, undo the normalization: ``mean + inputs * sqrt(variance)``.
        **kwargs: Base ``Layer`` arguments.

    Input shape:
        Any; the kept axes must have known sizes.

    Output shape:
        Same as the input.

    >>> import numpy as np, torch
    >>> layer = Normalization()
    >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> layer(torch.tensor([[1.0, 20.0]]))
    tensor([[0., 0.]])
    >>> Normalization(mean=3.0, variance=4.0)(torch.tensor([5.0, 1.0]))
    tensor([ 1., -1.])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        else:
            try:
                axis = tuple(axis)
            except TypeError:
                raise ValueError(
                    "Argument `axis` of Normalization must be an integer, a tuple of integers "
                    f"or None. Received: axis={axis}"
                ) from None
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise ValueError(
                    "Argument `axis` of Normalization must be an integer, a tuple of integers "
                    f"or None. Received: axis={axis}"
                )
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "When setting values directly, `mean` and `variance` must have the same "
                    f"shape. Received: mean shape {np.shape(mean)} and variance shape "
                    f"{np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "The rank of `mean` must be less than or equal to the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                    f"{self.axis}"
                )

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "All `axis` values must be in the range [-ndim, ndim). "
                f"Received inputs with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(a if a >= 0 else a + ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    "All `axis` values to be kept must have a known shape. "
                    f"Received axis={self.axis}, inputs.shape={input_shape}, "
                    f"with unknown axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim)
        )
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        dtype = self._compute_torch_dtype
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(
                name="mean",
                shape=self._mean_and_var_shape,
                initializer="zeros",
                trainable=False,
            )
            self.adapt_variance = self.add_weight(
                name="variance",
                shape=self._mean_and_var_shape,
                initializer="ones",
                trainable=False,
            )
            # Kept for compatibility with Keras' saved weights; never updated.
            self.count = self.add_weight(
                name="count", shape=(), dtype="int32", initializer="zeros", trainable=False
            )
            return
        mean = torch.as_tensor(np.asarray(self.input_mean), dtype=dtype)
        variance = torch.as_tensor(np.asarray(self.input_variance), dtype=dtype)
        if mean.dim() > 0:
            # Align the given statistics with the kept axes, from the right.
            expanded = [1] * ndim
            for i in range(1, mean.dim() + 1):
                expanded[self._keep_axis[-i]] = mean.shape[-i]
            mean = mean.reshape(expanded)
            variance = variance.reshape(expanded)
        mean = mean.broadcast_to(self._broadcast_shape).contiguous()
        variance = variance.broadcast_to(self._broadcast_shape).contiguous()
        # Fixed statistics: worked out once, not saved (they are in the config).
        self.register_buffer("_fixed_mean", mean, persistent=False)
        self.register_buffer("_fixed_std", _std(variance), persistent=False)

    @property
    def mean(self):
        """The mean, broadcastable to the input (``None`` before ``build``)."""
        if not self.built or self._build_input_shape is None:
            return None
        if self.input_mean is None:
            return self.adapt_mean.detach().reshape(self._broadcast_shape)
        return self._fixed_mean

    @property
    def variance(self):
        """The variance, broadcastable to the input (``None`` before ``build``)."""
        if not self.built or self._build_input_shape is None:
            return None
        if self.input_mean is None:
            return self.adapt_variance.detach().reshape(self._broadcast_shape)
        return torch.square(self._fixed_std)

    def call(self, inputs):
        dtype = self._compute_torch_dtype
        if inputs.dtype != dtype:
            inputs = inputs.to(dtype)
        if self.input_mean is None:
            mean = self.adapt_mean.reshape(self._broadcast_shape)
            std = _std(self.adapt_variance.reshape(self._broadcast_shape))
            if mean.dtype != dtype:
                mean, std = mean.to(dtype), std.to(dtype)
        else:
            mean, std = self._fixed_mean, self._fixed_std
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def adapt(self, data) -> None:
        """Computes the mean and variance of ``data`` along the reduced axes and stores
        them in the layer's weights.

        Args:
            data: A numpy array, a torch tensor, or an iterable of batches (arrays or
                tensors; for ``(x, y)`` tuples ``x`` is used). Batches are combined
                exactly (pooled mean and variance), in the compute dtype, as in Keras.
        """
        if self.input_mean is not None:
            raise ValueError(
                "Cannot adapt a Normalization layer created with a fixed `mean` and "
                f"`variance`. Received: mean={self.input_mean}"
            )
        if isinstance(data, (np.ndarray, torch.Tensor)):
            input_shape = tuple(data.shape)
        elif hasattr(data, "__iter__"):
            it = iter(data)
            first = next(it, None)
            if first is None:
                raise ValueError(
                    "adapt() received an empty iterable (no batches). Expected at least one "
                    "batch. Pass a non-empty iterable of arrays or tensors, e.g. "
                    "layer.adapt([x]) or layer.adapt(list_of_batches)."
                )
            first = _first_of(first)
            shape = getattr(first, "shape", None)
            if shape is None:
                raise TypeError(
                    "adapt() expects an iterable that yields arrays or tensors with a "
                    "`.shape` attribute (e.g. numpy arrays or torch tensors). Got an element "
                    f"of type {type(first).__name__}."
                )
            input_shape = tuple(shape)
            data = itertools.chain([first], it)
        else:
            raise TypeError(
                f"Unsupported data type: {type(data)}. `adapt` supports `np.ndarray`, torch "
                "tensors and iterables of batches (e.g. list, generator)."
            )
        if not self.built:
            if isinstance(data, torch.Tensor):
                with torch.device(data.device):
                    self.build(input_shape)
            else:
                self.build(input_shape)
        else:
            self._check_adapt_shape(input_shape, "adapt() is being called with data")

        if isinstance(data, np.ndarray):
            mean = np.mean(data, axis=self._reduce_axis)
            var = np.var(data, axis=self._reduce_axis)
        elif isinstance(data, torch.Tensor):
            mean, var = _moments(data.detach(), self._reduce_axis)
        else:
            mean, var = self._pooled_moments(data)
        with torch.no_grad():
            for weight, value in ((self.adapt_mean, mean), (self.adapt_variance, var)):
                value = torch.as_tensor(np.asarray(value) if not torch.is_tensor(value) else value)
                weight.copy_(value.reshape(weight.shape).to(weight.dtype))

    def _check_adapt_shape(self, shape, what) -> None:
        for d in self._keep_axis:
            if shape[d] != self._build_input_shape[d]:
                raise ValueError(
                    f"The layer was built with input_shape={self._build_input_shape}, but "
                    f"{what} with an incompatible shape, data.shape={tuple(shape)}"
                )

    def _pooled_moments(self, batches):
        dtype = self._compute_torch_dtype
        device = self.adapt_mean.device
        total_mean = torch.zeros(self._mean_and_var_shape, dtype=dtype, device=device)
        total_var = torch.zeros(self._mean_and_var_shape, dtype=dtype, device=device)
        total_count = 0
        for batch in batches:
            batch = _first_of(batch)
            if isinstance(batch, torch.Tensor):
                batch = batch.detach().to(device=device, dtype=dtype)
            else:
                batch = torch.as_tensor(np.asarray(batch), dtype=dtype, device=device)
            for d in self._keep_axis:
                if batch.shape[d] != self._build_input_shape[d]:
                    raise ValueError(
                        "adapt() yielded a batch with incompatible shape. Expected "
                        f"{self._build_input_shape}, got {tuple(batch.shape)}."
                    )
            batch_mean, batch_var = _moments(batch, self._reduce_axis)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total_count += batch_count
            batch_weight = float(batch_count) / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            # Pooled variance: within-group variances plus the spread of the group means.
            total_var = (total_var + (total_mean - new_mean) ** 2) * existing_weight + (
                batch_var + (batch_mean - new_mean) ** 2
            ) * batch_weight
            total_mean = new_mean
        return total_mean, total_var

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }


def _std(variance):
    return torch.clamp(torch.sqrt(variance), min=config.epsilon())


def _moments(x, axes):
    """Mean and (population) variance over ``axes``; ``axes=()`` reduces nothing."""
    if not x.is_floating_point():
        x = x.to(torch.float32)
    if not axes:
        return x, torch.zeros_like(x)
    return torch.mean(x, dim=axes), torch.var(x, dim=axes, correction=0)
