"""Attention layers."""

from kshim.layers.attention.additive_attention import AdditiveAttention
from kshim.layers.attention.attention import Attention
from kshim.layers.attention.grouped_query_attention import (
    GroupedQueryAttention,
    GroupQueryAttention,
)
from kshim.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = [
    "AdditiveAttention",
    "Attention",
    "GroupQueryAttention",
    "GroupedQueryAttention",
    "MultiHeadAttention",
]
