"""``Dense``: ``activation(inputs @ kernel + bias)``."""

from __future__ import annotations

import torch

from kshim import activations, constraints, initializers, regularizers
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer

# Bound once: ``torch.addmm`` read in ``call`` would make dynamo guard (in Python, on every
# compiled call) that this module's ``torch`` is the caller's ``torch``.
_addmm = torch.addmm
_matmul = torch.matmul


class Dense(Layer):
    """A densely connected layer: ``activation(dot(inputs, kernel) + bias)``.

    The kernel has Keras' layout ``(input_dim, units)``; inputs of rank above 2 are
    contracted on their last axis.

    Args:
        units: Positive integer, the output size.
        activation: Activation name or callable; ``None`` means linear.
        use_bias: Whether to add a bias vector.
        kernel_initializer: Initializer of the kernel (``"glorot_uniform"``).
        bias_initializer: Initializer of the bias (``"zeros"``).
        kernel_regularizer: Regularizer of the kernel.
        bias_regularizer: Regularizer of the bias.
        activity_regularizer: Regularizer of the output.
        kernel_constraint: Constraint of the kernel.
        bias_constraint: Constraint of the bias.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``trainable``).

    Input shape:
        ``(batch_size, ..., input_dim)``.

    Output shape:
        ``(batch_size, ..., units)``.

    >>> import torch
    >>> layer = Dense(3)
    >>> layer(torch.ones(2, 5)).shape
    torch.Size([2, 3])
    >>> [tuple(w.shape) for w in layer.weights]
    [(5, 3), (3,)]
    """

    _promote_inputs = True

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        **kwargs,
    ):
        if kwargs.pop("quantization_config", None) is not None:
            raise ValueError("Dense: quantization is not supported by kshim.")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                "Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units}"
            )
        if lora_rank is not None:
            raise ValueError(
                f"Dense: LoRA is not supported by kshim. Received: lora_rank={lora_rank}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self._act = activations.fast_path(self.activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_shape[-1]})

    def call(self, inputs):
        kernel, bias = self._weight("kernel"), self._weight("bias")
        # addmm is one fused kernel on the (in, out) kernel as stored: no transposed view.
        if bias is not None and inputs.dim() == 2:
            x = _addmm(bias, inputs, kernel)
        else:
            x = _matmul(inputs, kernel)
            if bias is not None:
                x = x + bias
        if self._act is not None:
            x = self._act(x)
        return x

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
