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
    ops,
    random,
    regularizers,
    utils,
)
from kshim import config as config
from kshim.backend import Variable, executing_eagerly, function
from kshim.layers import InputSpec, Layer

__version__ = "0.1.0.dev0"
