"""Merging layers: combine a list of tensors into one."""

from kshim.layers.merging.add import Add, add
from kshim.layers.merging.average import Average, average
from kshim.layers.merging.concatenate import Concatenate, concatenate
from kshim.layers.merging.dot import Dot, dot
from kshim.layers.merging.maximum import Maximum, maximum
from kshim.layers.merging.minimum import Minimum, minimum
from kshim.layers.merging.multiply import Multiply, multiply
from kshim.layers.merging.subtract import Subtract, subtract

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
