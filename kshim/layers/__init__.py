"""Layers: the ``Layer`` base class, ``InputSpec`` and the built-in catalog."""

from kshim.layers.core.dense import Dense
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.regularization.dropout import Dropout
