"""Regularization layers."""

from kshim.layers.regularization.activity_regularization import ActivityRegularization
from kshim.layers.regularization.alpha_dropout import AlphaDropout
from kshim.layers.regularization.dropout import Dropout
from kshim.layers.regularization.gaussian_dropout import GaussianDropout
from kshim.layers.regularization.gaussian_noise import GaussianNoise
from kshim.layers.regularization.spatial_dropout1d import SpatialDropout1D
from kshim.layers.regularization.spatial_dropout2d import SpatialDropout2D
from kshim.layers.regularization.spatial_dropout3d import SpatialDropout3D

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]
