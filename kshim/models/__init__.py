"""Models: ``Input``, ``Model`` (functional and subclassed), ``Sequential``."""

from kshim.models.cloning import clone_model
from kshim.models.functional import Functional
from kshim.models.input_layer import Input, InputLayer
from kshim.models.model import Model
from kshim.models.op_layer import TorchOpLayer
from kshim.models.sequential import Sequential
from kshim.models.symbolic import KerasTensor
from kshim.saving.saving_api import load_model, save_model

__all__ = [
    "Functional",
    "Input",
    "InputLayer",
    "KerasTensor",
    "Model",
    "Sequential",
    "TorchOpLayer",
    "clone_model",
    "load_model",
    "save_model",
]
