"""``GroupedQueryAttention``: attention whose key/value heads are shared by groups of
query heads (Ainslie et al., 2023)."""

from __future__ import annotations

import math

from kshim.layers.attention.base_multi_head_attention import BaseMultiHeadAttention
from kshim.layers.input_spec import InputSpec


def _check_positive(name, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Received an invalid value for argument `{name}`, expected a positive integer. "
            f"Received: {name}={value}"
        )


class GroupedQueryAttention(BaseMultiHeadAttention):
    """Grouped-query attention: ``num_query_heads`` query heads share
    ``num_key_value_heads`` key/value heads (``1`` is multi-query attention, equal counts
    are multi-head attention).

    The attention runs as one ``torch.nn.functional.scaled_dot_product_attention`` call
    when scores are not returned. The projections are ``EinsumDense`` sub-layers
    ``query`` ``(dim, num_query_heads, head_dim)``, ``key`` and ``value``
    ``(dim, num_key_value_heads, head_dim)`` (and ``gate``) and ``attention_output``
    ``(num_query_heads, head_dim, dim)``, as in Keras.

    Args:
        head_dim: Size of each attention head.
        num_query_heads: Number of query heads.
        num_key_value_heads: Number of key/value heads; divides ``num_query_heads``.
        dropout: Dropout rate of the attention probabilities (in training).
        use_bias: Whether the projections have biases.
        sliding_window: If set, position ``i`` only attends to positions ``j`` with
            ``|i - j| < sliding_window``.
        flash_attention: Accepted for Keras compatibility (see ``MultiHeadAttention``).
        kernel_initializer: Initializer of the projection kernels.
        bias_initializer: Initializer of the projection biases.
        kernel_regularizer: Regularizer of the projection kernels.
        bias_regularizer: Regularizer of the projection biases.
        activity_regularizer: Regularizer of each projection's output and of the layer's
            output (Keras applies it to both).
        kernel_constraint: Constraint of the projection kernels.
        bias_constraint: Constraint of the projection biases.
        use_gate: Whether to gate the attention output with ``sigmoid`` of a projection
            of the query.
        seed: Seed of the dropout; ``None`` uses torch's global generator.
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        query: ``(batch, target_length, dim)``.
        value: ``(batch, source_length, dim)``.
        key: Optional ``(batch, source_length, dim)``; ``value`` by default.
        query_mask, value_mask, key_mask: Optional boolean ``(batch, length)`` masks.
        attention_mask: Optional boolean ``(batch, target_length, source_length)``,
            ``True`` where attention is allowed; it broadcasts.
        return_attention_scores: Also return the attention probabilities
            ``(batch, num_query_heads, target_length, source_length)``.
        training: Whether dropout is active.
        use_causal_mask: Whether position ``i`` may only attend to positions ``j <= i``.

    Input shape:
        ``query``: ``(batch, target_length, dim)``; ``value``/``key``: rank 3.

    Output shape:
        ``(batch, target_length, dim)``.

    >>> import torch
    >>> layer = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
    >>> x = torch.ones(3, 5, 8)
    >>> layer(x, x).shape
    torch.Size([3, 5, 8])
    >>> [tuple(w.shape) for w in layer.weights][::2]
    [(8, 4, 4), (8, 2, 4), (8, 2, 4), (4, 4, 8)]
    """

    def __init__(
        self,
        head_dim,
        num_query_heads,
        num_key_value_heads,
        dropout=0.0,
        use_bias=True,
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
        _check_positive("head_dim", head_dim)
        _check_positive("num_query_heads", num_query_heads)
        _check_positive("num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                "`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}"
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
        # Keras sets the layer's own activity regularizer too: its output is penalized
        # as well as each projection's.
        self.activity_regularizer = self._activity_regularizer
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self.seed = seed
        self._scale = 1.0 / math.sqrt(float(head_dim))

    @property
    def kernel_initializer(self):
        return self._kernel_initializer

    @property
    def bias_initializer(self):
        return self._bias_initializer

    @property
    def kernel_regularizer(self):
        return self._kernel_regularizer

    @property
    def bias_regularizer(self):
        return self._bias_regularizer

    @property
    def kernel_constraint(self):
        return self._kernel_constraint

    @property
    def bias_constraint(self):
        return self._bias_constraint

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(
                    f'Layer "{self.name}" expects `{arg}` of rank 3 (batch, length, '
                    f"features). Received: {arg}_shape={shape} and query_shape={query_shape}"
                )
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        self.feature_dim = query_shape[-1]
        q_heads, kv_heads, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._make_dense(
            "bqm,muh->bquh", (None, q_heads, h), "uh", "query", query_shape
        )
        self._key_dense = self._make_dense(
            "bkm,mvh->bkvh", (None, kv_heads, h), "vh", "key", key_shape
        )
        if self.use_gate:
            self._gate_dense = self._make_dense(
                "bqm,muh->bquh",
                (None, q_heads, h),
                "uh",
                "gate",
                query_shape,
                activation="sigmoid",
            )
        self._value_dense = self._make_dense(
            "bkm,mvh->bkvh", (None, kv_heads, h), "vh", "value", value_shape
        )
        self._output_dense = self._make_dense(
            "bquh,uhm->bqm",
            (None, self.feature_dim),
            "m",
            "attention_output",
            (None, None, q_heads, h),
        )
        self._finish_build(query_shape, value_shape, key_shape, (1,), q_heads, kv_heads)
        self.input_spec = InputSpec(ndim=3, axes={-1: query_shape[-1]})

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        # ``value_shape`` is optional here (Keras requires it); see MultiHeadAttention.
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if query_shape[-1] != value_shape[-1]:
                raise ValueError(
                    "The last dimension of `query_shape` and `value_shape` must be equal, "
                    f"but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                    f"query_shape={query_shape}, value_shape={value_shape}"
                )
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError(
                    "All dimensions of `value` and `key`, except the last one, must be "
                    f"equal. Received: value_shape={value_shape} and key_shape={key_shape}"
                )
        return query_shape

    def get_config(self):
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            **self._common_config(),
            "seed": self.seed,
        }


# Keras 3 exports this layer as ``keras.layers.GroupQueryAttention``.
GroupQueryAttention = GroupedQueryAttention
