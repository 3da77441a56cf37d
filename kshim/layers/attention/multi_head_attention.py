"""``MultiHeadAttention``: attention with several heads, as in "Attention Is All You
Need" (Vaswani et al., 2017)."""

from __future__ import annotations

import math

from kshim.layers.attention.base_multi_head_attention import BaseMultiHeadAttention
from kshim.layers.input_spec import InputSpec

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def projection_equation(free_dims: int, bound_dims: int, output_dims: int) -> tuple:
    """``(equation, bias_axes)`` of a projection that keeps ``free_dims`` leading input
    axes, contracts the next ``bound_dims`` with the kernel and appends ``output_dims``
    kernel axes (Keras' lettering, so the equations read the same)."""
    free = _LETTERS[:free_dims]
    bound = _LETTERS[free_dims : free_dims + bound_dims]
    out = _LETTERS[free_dims + bound_dims : free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out


class MultiHeadAttention(BaseMultiHeadAttention):
    """Multi-head attention: projects ``query``, ``key`` and ``value`` to ``num_heads``
    heads, attends with scaled dot products, and projects the heads back.

    When the attention scores are not returned, the attention runs as one
    ``torch.nn.functional.scaled_dot_product_attention`` call (fused kernels on GPU).
    The projections are ``EinsumDense`` sub-layers named ``query``, ``key``, ``value``
    (and ``gate``) and ``attention_output``, with Keras' kernel layouts
    (``(dim, num_heads, key_dim)``, ..., ``(num_heads, value_dim, dim)``), so Keras
    weights load with ``set_weights``.

    Args:
        num_heads: Number of attention heads.
        key_dim: Size of each head for query and key.
        value_dim: Size of each head for value; ``key_dim`` by default.
        dropout: Dropout rate of the attention probabilities (in training).
        use_bias: Whether the projections have biases.
        output_shape: Output shape besides the batch and attention axes (an int or a
            tuple); by default the query's last axis.
        attention_axes: Axes attention runs over; by default every axis but the batch,
            heads and features ones.
        sliding_window: If set, position ``i`` only attends to positions ``j`` with
            ``|i - j| < sliding_window``.
        flash_attention: Accepted for Keras compatibility; torch picks its fastest SDPA
            kernel anyway. ``True`` forbids ``dropout`` and returning scores, as in Keras.
        kernel_initializer: Initializer of the projection kernels.
        bias_initializer: Initializer of the projection biases.
        kernel_regularizer: Regularizer of the projection kernels.
        bias_regularizer: Regularizer of the projection biases.
        activity_regularizer: Regularizer of each projection's output.
        kernel_constraint: Constraint of the projection kernels.
        bias_constraint: Constraint of the projection biases.
        use_gate: Whether to gate the attention output with ``sigmoid`` of a projection
            of the query (gated attention).
        seed: Seed of the dropout; ``None`` uses torch's global generator.
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        query: ``(batch, target_length, dim)`` (or more axes with ``attention_axes``).
        value: ``(batch, source_length, value_dim_in)``.
        key: Optional ``(batch, source_length, key_dim_in)``; ``value`` by default.
        query_mask, value_mask, key_mask: Optional boolean masks ``(batch, length)`` of
            the inputs (what Keras reads from the inputs' ``_keras_mask``).
        attention_mask: Optional boolean ``(batch, target_length, source_length)``,
            ``True`` where attention is allowed; it broadcasts.
        return_attention_scores: Also return the attention probabilities
            ``(batch, num_heads, target_length, source_length)``.
        training: Whether dropout is active.
        use_causal_mask: Whether position ``i`` may only attend to positions ``j <= i``.

    Input shape:
        ``query``: ``(batch, ..., dim)``; ``value``/``key``: same rank.

    Output shape:
        ``(batch, ..., dim)``, or ``(batch, ..., *output_shape)``.

    >>> import torch
    >>> layer = MultiHeadAttention(num_heads=2, key_dim=4)
    >>> x = torch.ones(3, 5, 8)
    >>> layer(x, x).shape
    torch.Size([3, 5, 8])
    >>> [tuple(w.shape) for w in layer.weights][::2]
    [(8, 2, 4), (8, 2, 4), (8, 2, 4), (2, 4, 8)]
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError(
                "Received an invalid value for argument `num_heads`, expected a positive "
                f"integer. Received: num_heads={num_heads}"
            )
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError(
                "Received an invalid value for argument `key_dim`, expected a positive "
                f"integer. Received: key_dim={key_dim}"
            )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(
                "Received an invalid value for argument `value_dim`, expected a positive "
                f"integer or `None`. Received: value_dim={value_dim}"
            )
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the "
                    "`output_shape` should be of type tuple, list, or int."
                ) from None
            if not all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in output_shape
            ):
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. Its entries must be positive "
                    "integers."
                )
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "`attention_axes` must be an int, list, or tuple."
                f"Received: attention_axes={attention_axes}"
            )
        self._init_common(
            dropout,
            use_bias,
            use_gate,
            sliding_window,
            flash_attention,
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            seed,
        )
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        self._output_shape = output_shape
        self._attention_axes = attention_axes
        self._sliding_window = sliding_window
        self.seed = seed
        self._scale = 1.0 / math.sqrt(float(key_dim))

    @property
    def num_heads(self):
        return self._num_heads

    @property
    def key_dim(self):
        return self._key_dim

    @property
    def value_dim(self):
        return self._value_dim

    @property
    def dropout(self):
        return self._dropout

    @property
    def use_bias(self):
        return self._use_bias

    @property
    def attention_axes(self):
        return self._attention_axes

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        rank = len(query_shape)
        if rank < 3:
            raise ValueError(
                f'Layer "{self.name}" expects `query` of rank 3 or more (batch, ..., '
                f"features). Received: query_shape={query_shape}"
            )
        for arg, shape in (("value", value_shape), ("key", key_shape)):
            if len(shape) != rank:
                raise ValueError(
                    f'Layer "{self.name}": `{arg}` must have the rank of `query`. '
                    f"Received: {arg}_shape={shape} and query_shape={query_shape}"
                )
        # Keras replaces the configured axes by their normalized tuple at build (so
        # get_config() then returns e.g. (1,) for None); kept for config parity.
        if self._attention_axes is None:
            axes = tuple(range(1, rank - 1))
        else:
            axes = tuple(a if a >= 0 else rank + a for a in self._attention_axes)
            if not axes or any(not 1 <= a <= rank - 2 for a in axes) or len(set(axes)) < len(axes):
                raise ValueError(
                    f'Layer "{self.name}": `attention_axes` must be distinct axes of the '
                    f"query other than the batch and feature axes (1 to {rank - 2}, or "
                    f"negative). Received: attention_axes={self._attention_axes} for "
                    f"query_shape={query_shape}"
                )
        self._attention_axes = axes

        heads = [self._num_heads, self._key_dim]
        equation, bias_axes = projection_equation(rank - 1, 1, 2)
        free = [None] * (rank - 2)
        self._query_dense = self._make_dense(
            equation, free + heads, bias_axes, "query", query_shape
        )
        self._key_dense = self._make_dense(equation, free + heads, bias_axes, "key", key_shape)
        v_heads = [self._num_heads, self._value_dim]
        if self._use_gate:
            self._gate_dense = self._make_dense(
                equation, free + v_heads, bias_axes, "gate", query_shape, activation="sigmoid"
            )
        self._value_dense = self._make_dense(
            equation, free + v_heads, bias_axes, "value", value_shape
        )
        out = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        equation, bias_axes = projection_equation(rank - 1, 2, len(out))
        self._output_dense = self._make_dense(
            equation,
            free + out,
            bias_axes,
            "attention_output",
            (*query_shape[:-1], self._num_heads, self._value_dim),
        )
        self._finish_build(
            query_shape, value_shape, key_shape, axes, self._num_heads, self._num_heads
        )
        self.input_spec = InputSpec(ndim=rank, axes={-1: query_shape[-1]})

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        # ``value_shape`` is optional here (Keras requires it): the output shape depends
        # only on the query, and the shared layer test passes one shape.
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError(
                    "All dimensions of `value` and `key`, except the last one, must be "
                    f"equal. Received: value_shape={value_shape} and key_shape={key_shape}"
                )
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            **self._common_config(),
            "seed": self.seed,
        }
