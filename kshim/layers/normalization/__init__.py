"""Normalization layers."""

from kshim.layers.normalization.batch_normalization import BatchNormalization
from kshim.layers.normalization.group_normalization import GroupNormalization
from kshim.layers.normalization.layer_normalization import LayerNormalization
from kshim.layers.normalization.rms_normalization import RMSNormalization
from kshim.layers.normalization.unit_normalization import UnitNormalization

__all__ = [
    "BatchNormalization",
    "GroupNormalization",
    "LayerNormalization",
    "RMSNormalization",
    "UnitNormalization",
]
