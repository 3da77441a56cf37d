"""``InputLayer`` and ``Input``: where a functional model's graph starts."""

from __future__ import annotations

from kshim.backend import config
from kshim.layers.layer import Layer
from kshim.models.symbolic import KerasTensor, Node


class InputLayer(Layer):
    """The layer behind ``kshim.Input``: it holds the symbolic input tensor.

    Args:
        shape: Shape without the batch dimension, e.g. ``(32,)``.
        batch_size: Optional fixed batch size.
        dtype: Input dtype (``floatx()`` by default).
        sparse: Accepted for Keras compatibility; must be falsy.
        batch_shape: Full shape including the batch dimension (instead of ``shape``).
        input_tensor: Not supported (Keras' ``tensor=``); must be ``None``.
        optional: Whether the input may be ``None``.
        name: The layer's name (``input_layer``, ``input_layer_1``, ... by default).
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        if shape is None and batch_shape is None:
            raise ValueError("You must pass a `shape` argument to `Input`.")
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            try:
                shape = tuple(shape)
            except TypeError:
                raise ValueError(
                    f"Argument `shape` of Input must be a tuple of integers or None. "
                    f"Received: shape={shape!r}"
                ) from None
            batch_shape = (batch_size, *shape)
        batch_shape = tuple(batch_shape)
        for d in batch_shape:
            if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 0):
                raise ValueError(
                    "Argument `shape` of Input must contain non-negative integers or None. "
                    f"Received: shape={batch_shape[1:]}"
                )
        if sparse or ragged:
            raise ValueError(
                "kshim does not support sparse or ragged inputs. "
                f"Received: sparse={sparse}, ragged={ragged}"
            )
        if input_tensor is not None:
            raise ValueError("kshim's Input does not take an existing tensor (`tensor=`).")
        self.batch_shape = batch_shape
        self._input_dtype_name = config.standardize_dtype(dtype)
        self.sparse = False
        self.optional = bool(optional)
        node = Node(self, (), {}, None)
        self.output = KerasTensor(batch_shape, self._input_dtype_name, name=self.name, node=node)
        node.outputs = self.output

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {
            "batch_shape": self.batch_shape,
            "dtype": self._input_dtype_name,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("ragged", None)
        if "batch_shape" not in config:  # tf.keras configs
            for legacy in ("batch_input_shape", "input_shape"):
                if legacy in config:
                    config["batch_shape"] = config.pop(legacy)
                    break
        return cls(**config)


def Input(  # noqa: N802 - Keras' public name
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
    ragged=None,
):
    """Makes a symbolic ``KerasTensor``: the start of a functional model.

    Args:
        shape: Shape without the batch dimension; ``None`` entries are unknown sizes.
        batch_size: Optional fixed batch size.
        dtype: Dtype name (``floatx()`` by default).
        sparse: Must be falsy (kshim has no sparse tensors).
        batch_shape: Full shape with the batch dimension, instead of ``shape``.
        name: Name of the input (and of its ``InputLayer``).
        tensor: Not supported; must be ``None``.
        optional: Whether the input may be ``None``.
        ragged: Must be falsy.

    Returns:
        A ``KerasTensor``.

    >>> import kshim
    >>> x = kshim.Input((32,), name="features")
    >>> x.shape, x.dtype, x.name
    ((None, 32), 'float32', 'features')
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        input_tensor=tensor,
        optional=optional,
        name=name,
    )
    return layer.output
