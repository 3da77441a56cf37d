"""kshim: Keras-compatible layers that are real ``torch.nn.Module``s.

Write Keras layers (``__init__``, ``build``, ``add_weight``, ``call``) and get torch
modules: weights are ``nn.Parameter``s, ``state_dict`` keys follow attribute names, and
built layers compile with ``torch.compile(fullgraph=True)``.
"""

from kshim import (
    activations,
    backend,
    constraints,
    dtype_policies,
    initializers,
    layers,
    mixed_precision,
    models,
    ops,
    random,
    regularizers,
    saving,
    utils,
)
from kshim import config as config
from kshim.backend import Variable, executing_eagerly, function
from kshim.layers import InputSpec, Layer
from kshim.models import Input, Model, Sequential
from kshim.saving.object_registration import keras_export as _keras_export

_keras_export("keras.Model", "keras.models.Model")(Model)
_keras_export("keras.Sequential", "keras.models.Sequential")(Sequential)
_keras_export("keras.src.models.functional.Functional")(models.Functional)

__version__ = "0.1.0.dev0"
