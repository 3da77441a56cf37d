"""Layers: the ``Layer`` base class, ``InputSpec`` and the built-in catalog.

Each family package lists its public layers in ``__all__``; they are re-exported here.
"""

from kshim.layers.activations import *  # noqa: F403
from kshim.layers.attention import *  # noqa: F403
from kshim.layers.convolutional import *  # noqa: F403
from kshim.layers.core import *  # noqa: F403
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.merging import *  # noqa: F403
from kshim.layers.normalization import *  # noqa: F403
from kshim.layers.pooling import *  # noqa: F403
from kshim.layers.preprocessing import *  # noqa: F403
from kshim.layers.regularization import *  # noqa: F403
from kshim.layers.reshaping import *  # noqa: F403
from kshim.layers.rnn import *  # noqa: F403
from kshim.models.input_layer import InputLayer  # noqa: E402
from kshim.utils.torch_utils import TorchModuleWrapper  # noqa: E402


def _export_to_keras_names() -> None:
    """Records each layer's Keras public path (``keras.layers.Dense``), so configs carry
    Keras' ``module``/``class_name`` and Keras configs load into kshim classes."""
    from kshim.saving.object_registration import get_public_name, keras_export

    for name, obj in list(globals().items()):
        if isinstance(obj, type) and issubclass(obj, Layer) and not name.startswith("_"):
            if get_public_name(obj) is None:
                keras_export(f"keras.layers.{name}")(obj)


_export_to_keras_names()
