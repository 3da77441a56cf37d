"""``Embedding``: looks up rows of a ``(input_dim, output_dim)`` table by index."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from kshim import constraints, initializers, regularizers
from kshim.layers.layer import Layer


def _check_positive_int(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive integer. Received: {name}={value} "
            f"(of type {type(value).__name__})."
        )


class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors of fixed size.

    Indices are looked up in the ``embeddings`` table of shape ``(input_dim, output_dim)``
    and must lie in ``[0, input_dim)`` (others raise ``IndexError``). Integer inputs are
    used as they are; float inputs are truncated to ``int32`` first.

    Args:
        input_dim: Size of the vocabulary (largest index + 1).
        output_dim: Size of each embedding vector.
        embeddings_initializer: Initializer of the table (``"uniform"``).
        embeddings_regularizer: Regularizer of the table.
        embeddings_constraint: Constraint of the table.
        mask_zero: Whether index 0 is padding: ``compute_mask`` then returns
            ``inputs != 0`` (so index 0 cannot be a real token).
        weights: Optional initial table (a list holding one array, or the array).
        **kwargs: Base ``Layer`` arguments. ``input_length`` is accepted and ignored
            (with a warning), as in Keras 3.

    Input shape:
        ``(batch_size, ...)`` integer indices.

    Output shape:
        ``(batch_size, ..., output_dim)``.

    >>> import torch
    >>> layer = Embedding(10, 3, mask_zero=True)
    >>> ids = torch.tensor([[1, 2, 0]])
    >>> layer(ids).shape
    torch.Size([1, 3, 3])
    >>> layer.compute_mask(ids)
    tensor([[ True,  True, False]])
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        _check_positive_int("input_dim", input_dim)
        _check_positive_int("output_dim", output_dim)
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        if lora_rank is not None:
            raise ValueError(
                f"Embedding: LoRA is not supported by kshim. Received: lora_rank={lora_rank}"
            )
        if quantization_config is not None:
            raise ValueError(
                "Embedding: quantization is not supported by kshim. Received: "
                f"quantization_config={quantization_config}"
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        # Indices are never cast to the compute dtype.
        self.autocast = False
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        if inputs.dtype is not torch.int64 and inputs.dtype is not torch.int32:
            inputs = inputs.to(torch.int32)
        # Indices must lie in [0, input_dim), as Keras documents. (Keras' torch backend
        # also wraps negative ones around; kshim does not pay the extra pass per call:
        # they raise IndexError instead.)
        out = F.embedding(inputs, self.embeddings)
        if out.dtype != self._compute_torch_dtype:
            out = out.to(self._compute_torch_dtype)
        return out

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
