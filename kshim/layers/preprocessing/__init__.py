"""Preprocessing layers."""

from kshim.layers.preprocessing.center_crop import CenterCrop
from kshim.layers.preprocessing.normalization import Normalization
from kshim.layers.preprocessing.rescaling import Rescaling
from kshim.layers.preprocessing.resizing import Resizing

__all__ = ["CenterCrop", "Normalization", "Rescaling", "Resizing"]
