"""``AdditiveAttention``: Bahdanau-style attention over ``[query, value, key]``."""

from __future__ import annotations

import torch

from kshim.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention, a.k.a. Bahdanau-style attention.

    ``scores = sum(scale * tanh(query + key), axis=-1)`` for every query/key pair, then
    ``softmax(scores) @ value``; ``scale`` is a learned vector of size ``dim`` when
    ``use_scale``.

    Args:
        use_scale: Whether to learn the ``(dim,)`` vector ``scale`` of the scores.
        dropout: Dropout rate of the attention distribution (in training).
        **kwargs: Base ``Layer`` arguments and ``seed``.

    Call arguments:
        inputs: A list ``[query, value]`` or ``[query, value, key]`` (see ``Attention``).
        mask: Optional list ``[query_mask, value_mask]``.
        training: Whether dropout is active.
        return_attention_scores: Also return the attention distribution.
        use_causal_mask: Whether position ``i`` may only attend to positions ``j <= i``.

    Input shape:
        ``[(batch, Tq, dim), (batch, Tv, dim_v)]`` (and ``(batch, Tv, dim)``).

    Output shape:
        ``(batch, Tq, dim_v)``.

    >>> import torch
    >>> layer = AdditiveAttention()
    >>> layer([torch.ones(2, 3, 4), torch.ones(2, 5, 4)]).shape
    torch.Size([2, 3, 4])
    >>> [tuple(w.shape) for w in layer.weights]
    [(4,)]
    """

    _dot_product = False

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        pairs = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.scale is None:
            return pairs.sum(-1)
        # sum(scale * tanh(.)) as one matrix-vector product: no second 4-D temporary.
        return torch.matmul(pairs, self.scale)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
