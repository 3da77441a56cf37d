"""Core layers."""

from kshim.layers.core.dense import Dense
from kshim.layers.core.einsum_dense import EinsumDense
from kshim.layers.core.embedding import Embedding
from kshim.layers.core.identity import Identity
from kshim.layers.core.lambda_layer import Lambda
from kshim.layers.core.masking import Masking

__all__ = ["Dense", "EinsumDense", "Embedding", "Identity", "Lambda", "Masking"]
