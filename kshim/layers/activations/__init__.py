"""Activation layers."""

from kshim.layers.activations.activation import Activation
from kshim.layers.activations.elu import ELU
from kshim.layers.activations.leaky_relu import LeakyReLU
from kshim.layers.activations.prelu import PReLU
from kshim.layers.activations.relu import ReLU
from kshim.layers.activations.softmax import Softmax

__all__ = ["ELU", "Activation", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
