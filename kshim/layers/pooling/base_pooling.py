"""``BasePooling``: the shared machinery of the max and average pooling layers."""

from __future__ import annotations

import functools

import torch.nn.functional as F

from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.reshaping._args import standardize_tuple

_POOL_FNS = {
    ("max", 1): F.max_pool1d,
    ("max", 2): F.max_pool2d,
    ("max", 3): F.max_pool3d,
    # Keras averages over the real (un-padded) elements of a window.
    ("average", 1): functools.partial(F.avg_pool1d, count_include_pad=False),
    ("average", 2): functools.partial(F.avg_pool2d, count_include_pad=False),
    ("average", 3): functools.partial(F.avg_pool3d, count_include_pad=False),
}


def _same_padding_1d(length: int, pool: int, stride: int) -> tuple[int, int]:
    """Keras' "same" padding of one spatial axis: ``(before, after)``, extra one after."""
    if stride == 1:
        total = pool - 1
    else:
        total = max(0, ((length + stride - 1) // stride - 1) * stride + pool - length)
    return total // 2, total - total // 2


class BasePooling(Layer):
    """Max or average pooling over 1, 2 or 3 spatial axes.

    Runs one ``F.max_pool*``/``F.avg_pool*`` on a channels-first *view* of the input (for
    ``channels_last`` a free permutation, which torch's pooling kernels handle natively)
    and permutes the result back.

    ``padding="same"`` reproduces Keras 3 (torch backend) exactly: when the padding of
    every axis is symmetric, it is passed to the pooling op (max ignores it, average counts
    only the real elements of a window); when an axis needs one more element after than
    before, Keras first pads the input by replicating its border, so border averages then
    include the replicated values. (Keras on TensorFlow averages only the real elements in
    both cases; the torch backend, whose numbers kshim matches, does not.) Max pooling
    gets the same result without the padded copy.

    Args:
        pool_size: Int or tuple of ``pool_dimensions`` ints, the window size.
        strides: Int, tuple of ints, or ``None`` (``pool_size``).
        pool_dimensions: Number of spatial axes (1, 2 or 3).
        pool_mode: ``"max"`` or ``"average"``.
        padding: ``"valid"`` or ``"same"`` (case-insensitive).
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format by default.
        **kwargs: Base ``Layer`` arguments.
    """

    def __init__(
        self,
        pool_size,
        strides,
        pool_dimensions,
        pool_mode="max",
        padding="valid",
        data_format=None,
        name=None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides")
        if pool_mode not in ("max", "average"):
            raise ValueError(
                f"`pool_mode` must be either 'max' or 'average'. Received: {pool_mode}."
            )
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(
                f"Argument `padding` must be either 'valid' or 'same'. Received: padding={padding}"
            )
        self.pool_mode = pool_mode
        self.padding = padding  # kept as given, as Keras does (its config echoes it)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)

        # Everything ``call`` needs, worked out once.
        n = pool_dimensions
        self._pool_fn = _POOL_FNS[(pool_mode, n)]
        self._same = padding.lower() == "same"
        self._channels_last = self.data_format == "channels_last"
        self._to_cf = (0, n + 1, *range(1, n + 1))  # NL..C -> NCL..
        self._to_cl = (0, *range(2, n + 2), 1)  # NCL.. -> NL..C
        self._spatial = tuple(range(1, n + 1)) if self._channels_last else tuple(range(2, n + 2))
        # Stride 1: "same" padding does not depend on the input size.
        self._static_padding = (
            self._padding_for((0,) * n) if self._same and set(self.strides) == {1} else None
        )

    def _padding_for(self, spatial) -> tuple:
        """How to run "same" pooling on inputs of spatial shape ``spatial``:
        ``(padding, F.pad tuple or None, ceil_mode, index into the output or None)``."""
        pads = [_same_padding_1d(*a) for a in zip(spatial, self.pool_size, self.strides)]
        if all(a == b for a, b in pads):
            return [a for a, _ in pads], None, False, None
        if self.pool_mode == "average":
            # Keras pads by replicating the border (F.pad takes the last axis first); the
            # replicated values then count in the border averages.
            return 0, tuple(p for pair in reversed(pads) for p in pair), False, None
        # Max: replicated border values never change a maximum, so skip the copy. An axis
        # padded (p, p + 1) is pooled with padding p and ceil_mode (the last window
        # overhangs the end), or with stride 1, padding p + 1 and its first output
        # dropped. Checked against the padded form for every small size in the tests.
        padding, index = [], [slice(None), slice(None)]
        for (a, b), s in zip(pads, self.strides):
            shift = a != b and s == 1
            padding.append(b if shift else a)
            index.append(slice(1, None) if shift else slice(None))
        index = tuple(index) if any(i.start for i in index[2:]) else None
        return padding, None, True, index

    def call(self, inputs):
        x = inputs.permute(self._to_cf) if self._channels_last else inputs
        if self._same:
            padding, flat, ceil, index = self._static_padding or self._padding_for(x.shape[2:])
            if flat is not None:
                x = F.pad(x, flat, mode="replicate")
            out = self._pool_fn(x, self.pool_size, self.strides, padding, ceil_mode=ceil)
            if index is not None:
                out = out[index]
        else:
            out = self._pool_fn(x, self.pool_size, self.strides)
        return out.permute(self._to_cl) if self._channels_last else out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = list(input_shape)
        for axis, k, s in zip(self._spatial, self.pool_size, self.strides):
            n = input_shape[axis]
            if n is None:
                continue
            if self._same:
                out[axis] = (n - 1) // s + 1
            else:
                out[axis] = (n - k) // s + 1
                if out[axis] <= 0:
                    raise ValueError(
                        "Computed output size would be zero or negative. Received: "
                        f"`inputs.shape={input_shape}`, `pool_size={self.pool_size}`, "
                        f"`strides={self.strides}`, `padding={self.padding}`."
                    )
        return tuple(out)

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }
