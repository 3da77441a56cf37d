"""Keras 3 weight regularizers (penalties) on torch tensors."""

from kshim.regularizers.registry import deserialize, get, serialize
from kshim.regularizers.regularizers import L1, L1L2, L2, OrthogonalRegularizer, Regularizer

# Keras' snake_case aliases are the classes themselves.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
