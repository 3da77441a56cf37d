"""``Attention``: dot-product (Luong-style) attention over ``[query, value, key]``."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim import random as krandom
from kshim.layers.attention.base_multi_head_attention import as_bool, check_mask
from kshim.layers.layer import Layer


def _padding_bias(dtype: torch.dtype) -> float:
    # Keras subtracts this from masked scores (65504 is float16's largest value).
    return 65504.0 if dtype == torch.float16 else 1.0e9


class Attention(Layer):
    """Dot-product attention, a.k.a. Luong-style attention.

    ``scores = query @ key^T`` (times ``scale`` if ``use_scale``), or with
    ``score_mode="concat"`` ``scores = concat_score_weight * sum(tanh(query + key))``;
    then ``softmax(scores) @ value``. Dot scores without returned scores run as one
    ``torch.nn.functional.scaled_dot_product_attention`` call.

    Args:
        use_scale: Whether to learn a scalar ``scale`` of the scores.
        score_mode: ``"dot"`` or ``"concat"``.
        dropout: Dropout rate of the attention distribution (in training).
        seed: Seed of the dropout; ``None`` uses torch's global generator.
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        inputs: A list ``[query, value]`` or ``[query, value, key]``; ``query`` is
            ``(batch, Tq, dim)``, ``value`` ``(batch, Tv, dim_v)``, ``key``
            ``(batch, Tv, dim)`` (``value`` by default).
        mask: Optional list ``[query_mask, value_mask]`` of boolean ``(batch, Tq)`` and
            ``(batch, Tv)`` masks: masked values are not attended to, masked queries
            give zeros.
        training: Whether dropout is active.
        return_attention_scores: Also return the attention distribution
            ``(batch, Tq, Tv)`` (after dropout, as Keras does).
        use_causal_mask: Whether position ``i`` may only attend to positions ``j <= i``.

    Input shape:
        ``[(batch, Tq, dim), (batch, Tv, dim_v)]`` (and ``(batch, Tv, dim)``).

    Output shape:
        ``(batch, Tq, dim_v)``.

    >>> import torch
    >>> layer = Attention()
    >>> layer([torch.ones(2, 3, 4), torch.ones(2, 5, 4)]).shape
    torch.Size([2, 3, 4])
    """

    # Whether "dot" scores are plain dot products (SDPA can compute them); subclasses
    # with other scores set it to False.
    _dot_product = True

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, (int, float))
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "Invalid value received for argument `dropout`. Expected a float value "
                f"between 0 and 1. Received: dropout={dropout}"
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.score_mode not in ("dot", "concat"):
            raise ValueError(
                "Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                f"Received: score_mode={score_mode}"
            )
        # Seeded dropout needs kshim's generator (explicit path); without a seed SDPA's
        # dropout draws from torch's global generator.
        self.seed_generator = krandom.SeedGenerator(seed) if dropout > 0 else None
        self._seeded = dropout > 0 and seed is not None
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(
                name="concat_score_weight", shape=(), initializer="ones"
            )

    # ------------------------------------------------------------------ checks

    def _validate_inputs(self, inputs, mask=None) -> None:
        cls = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(
                f"{cls} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(
                f"{cls} layer accepts inputs list of length 2 or 3, namely [query, value] "
                f"or [query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(
                    f"{cls} layer mask must be a list, namely [query_mask, value_mask]. "
                    f"Received: mask={mask}."
                )
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(
                    f"{cls} layer accepts mask list of length 2 or 3. Received: "
                    f"inputs={inputs}, mask={mask}."
                )

    def _check_shapes(self, q, v, k) -> None:
        name = self.name
        if q.dim() < 3 or v.dim() != q.dim() or k.dim() != q.dim():
            raise ValueError(
                f'Layer "{name}" expects `query`, `value` and `key` of the same rank, 3 or '
                f"more (batch, length, features). Received: query.shape={tuple(q.shape)}, "
                f"value.shape={tuple(v.shape)} and key.shape={tuple(k.shape)}"
            )
        if k.shape[:-1] != v.shape[:-1]:
            raise ValueError(
                f'Layer "{name}": `key` and `value` must have the same shape but for the '
                f"last axis (same length). Received: key.shape={tuple(k.shape)} and "
                f"value.shape={tuple(v.shape)}"
            )
        if q.shape[-1] != k.shape[-1] or q.shape[:-2] != k.shape[:-2]:
            raise ValueError(
                f'Layer "{name}": `query` and `key` must have the same batch axes and last '
                f"axis. Received: query.shape={tuple(q.shape)} and key.shape={tuple(k.shape)}"
            )

    # ------------------------------------------------------------------ computation

    def _calculate_scores(self, query, key):
        """``(batch, Tq, Tv)`` scores of ``query`` against ``key``."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        pairs = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * torch.tanh(pairs).sum(-1)

    def _keep_mask(self, q, v, v_mask, use_causal_mask):
        keep = None
        if v_mask is not None:
            keep = as_bool(v_mask).unsqueeze(-2)
        if use_causal_mask:
            rows = torch.arange(q.shape[-2], device=q.device).unsqueeze(-1)
            causal = rows >= torch.arange(v.shape[-2], device=q.device)
            keep = causal if keep is None else keep & causal
        return keep

    def _dropout(self, weights):
        if self._seeded:
            return krandom.dropout(weights, self.dropout, seed=self.seed_generator)
        return F.dropout(weights, self.dropout, True)

    def call(
        self,
        inputs,
        mask=None,
        training=False,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        self._validate_inputs(inputs, mask)
        q = inputs[0]
        v = inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        self._check_shapes(q, v, k)
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask else None
        if q_mask is not None:
            check_mask(self, "query_mask", q_mask, q.shape[:-1], "query", q.shape)
        if v_mask is not None:
            check_mask(self, "value_mask", v_mask, v.shape[:-1], "value", v.shape)
        dropping = bool(training) and self.dropout > 0

        if (
            self.score_mode == "dot"
            and not return_attention_scores
            and not (dropping and self._seeded)
            and self._dot_product
        ):
            # Fused: SDPA adds the bias exactly as Keras subtracts it from masked scores.
            bias = None
            causal = use_causal_mask and v_mask is None
            if v_mask is not None:
                keep = self._keep_mask(q, v, v_mask, use_causal_mask)
                bias = torch.where(keep, 0.0, -_padding_bias(q.dtype)).to(q.dtype)
            query = q if self.scale is None else q * self.scale
            out = F.scaled_dot_product_attention(
                query,
                k,
                v,
                attn_mask=bias,
                dropout_p=self.dropout if dropping else 0.0,
                is_causal=causal,
                scale=1.0,
            )
            weights = None
        else:
            scores = self._calculate_scores(q, k)
            keep = self._keep_mask(q, v, v_mask, use_causal_mask)
            if keep is not None:
                scores = torch.where(keep, scores, scores - _padding_bias(scores.dtype))
            weights = torch.softmax(scores, dim=-1)
            if dropping:
                weights = self._dropout(weights)
            out = torch.matmul(weights, v)
        if q_mask is not None:
            out = torch.where(as_bool(q_mask).unsqueeze(-1), out, 0.0)
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs=inputs, mask=mask)
        if mask is None or mask[0] is None:
            return None
        return torch.as_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = tuple(input_shape[0]), tuple(input_shape[1])
        return (*query_shape[:-1], value_shape[-1])

    def get_config(self):
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }
