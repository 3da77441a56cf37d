"""``TorchModuleWrapper``: any ``torch.nn.Module`` as a Keras layer."""

from __future__ import annotations

from torch import nn

from kshim.layers.layer import Layer


class TorchModuleWrapper(Layer):
    """Wraps a ``torch.nn.Module`` so it can be used as a layer in the three model APIs.

    Its parameters and buffers are tracked (``weights``, ``state_dict`` under
    ``module.``, ``.to()``); they are trainable unless frozen.

    Args:
        module: The ``torch.nn.Module`` to wrap.
        name: The layer's name.
        output_shape: Accepted for Keras compatibility (shapes are inferred on ``meta``).

    >>> import torch, kshim
    >>> layer = TorchModuleWrapper(torch.nn.Linear(3, 2))
    >>> layer(torch.ones(4, 3)).shape
    torch.Size([4, 2])
    >>> [tuple(w.shape) for w in layer.weights]
    [(2, 3), (2,)]
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not isinstance(module, nn.Module):
            raise TypeError(
                "TorchModuleWrapper expects a torch.nn.Module. "
                f"Received: module={module!r} (of type {type(module).__name__})"
            )
        if (
            isinstance(module, nn.modules.lazy.LazyModuleMixin)
            and module.has_uninitialized_params()
        ):
            raise ValueError(
                "TorchModuleWrapper does not accept lazy torch modules with uninitialized "
                "parameters (they change class at their first call); give them their input "
                "size instead."
            )
        self.module = module
        self._output_shape = output_shape

    def call(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def get_config(self):
        raise TypeError(
            f"TorchModuleWrapper '{self.name}' cannot be serialized to a config: Keras stores "
            "the module pickled, and kshim never pickles or unpickles code. Save its "
            "weights with `state_dict()` and rebuild the module in code."
        )
