"""``EinsumDense``: ``activation(einsum(equation, inputs, kernel) + bias)``."""

from __future__ import annotations

import re

import torch

from kshim import activations, constraints, initializers, regularizers
from kshim.initializers import VarianceScaling
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer

# The three equation forms Keras accepts, with "..." written as "0".
_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), False),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), True),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), False),
)


def _split_equation(equation):
    """``(input_spec, weight_spec, output_spec, left_elided)`` of a Keras einsum equation."""
    replaced = re.sub(r"\.\.\.", "0", equation) if isinstance(equation, str) else None
    if replaced is not None:
        for pattern, left_elided in _FORMS:
            match = pattern.match(replaced)
            if match:
                return match.group(1), match.group(2), match.group(3), left_elided
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
    )


def analyze_einsum(equation, bias_axes, input_shape, partial_output_shape):
    """Works out the weight shapes of an einsum layer, as Keras does.

    Returns:
        ``(kernel_shape, bias_shape, full_output_shape, input_axes, output_axes)``;
        ``bias_shape`` is ``None`` without ``bias_axes``.
    """
    input_spec, weight_spec, output_spec, left_elided = _split_equation(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(input_spec)
    output_shape = [input_shape[0], *partial_output_shape]
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        output_shape.extend(input_shape[len(input_shape) - elided :])

    if left_elided:
        input_dim_map = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_dim_map = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_dim_map = {d: i for i, d in enumerate(input_spec)}
        output_dim_map = {d: i for i, d in enumerate(output_spec)}

    for dim in input_spec:
        in_size = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            out_size = output_shape[output_dim_map[dim]]
            if out_size is not None and out_size != in_size:
                raise ValueError(
                    "Input shape and output shape do not match at shared dimension "
                    f"'{dim}'. Input shape is {in_size}, and output shape is {out_size}."
                )
    # Keras leaves a ``None`` of ``output_shape`` unknown even when the axis is shared
    # with the input; kshim takes the input's size (more precise shapes, same weights).
    for dim in input_spec:
        if dim in output_dim_map and output_shape[output_dim_map[dim]] is None:
            output_shape[output_dim_map[dim]] = input_shape[input_dim_map[dim]]
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                f"Dimension '{dim}' was specified in the output '{output_spec}' but has no "
                f"corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{output_spec}'"
            )

    kernel_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            kernel_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            kernel_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{dim}' did not have a match in either the input spec "
                f"'{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                "weight must be fully specified."
            )

    bias_shape = None
    if bias_axes is not None:
        offset = elided if left_elided else 0
        sizes = {c: output_shape[i + offset] for i, c in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(
                    f"Bias dimension '{char}' was requested, but is not part of the output "
                    f"spec '{output_spec}'"
                )
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
        if not left_elided:
            bias_shape.extend([1] * max(elided, 0))
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A dense layer whose contraction is an einsum equation.

    ``equation`` is ``"<input>,<kernel>-><output>"`` in einsum letters, optionally with
    ``...`` at the start of the input and output (``"...ab,bc->...ac"``) or at their end
    (``"ab...,bc->ac..."``). The kernel's shape is read off the equation, the input shape
    and ``output_shape``.

    Args:
        equation: The einsum equation, e.g. ``"ab,bc->ac"``.
        output_shape: The output shape without the batch axis and the axes covered by
            ``...`` (an int for one axis); ``None`` entries are taken from the input.
        activation: Activation name or callable; ``None`` means linear.
        bias_axes: Letters of the output axes that get a bias (``None`` for no bias).
        kernel_initializer: Initializer of the kernel (``"glorot_uniform"``).
        bias_initializer: Initializer of the bias (``"zeros"``).
        kernel_regularizer: Regularizer of the kernel.
        bias_regularizer: Regularizer of the bias.
        kernel_constraint: Constraint of the kernel.
        bias_constraint: Constraint of the bias.
        **kwargs: Base ``Layer`` arguments (``name``, ``dtype``, ``activity_regularizer``).

    Input shape:
        A tensor whose rank matches the equation's input term.

    Output shape:
        ``(batch_size, *output_shape)`` with the ``...`` axes kept in place.

    >>> import torch
    >>> layer = EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d")
    >>> layer(torch.ones(2, 3, 5)).shape
    torch.Size([2, 3, 4])
    >>> [tuple(w.shape) for w in layer.weights]
    [(5, 4), (4,)]
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if lora_rank is not None:
            raise ValueError(
                f"EinsumDense: LoRA is not supported by kshim. Received: lora_rank={lora_rank}"
            )
        if quantization_config is not None or gptq_unpacked_column_size is not None:
            raise ValueError(
                "EinsumDense: quantization is not supported by kshim. Received: "
                f"quantization_config={quantization_config}"
            )
        out_letters = _split_equation(equation)[2]
        if isinstance(output_shape, int):
            partial = (output_shape,)
        else:
            try:
                partial = tuple(output_shape)
            except TypeError:
                raise ValueError(
                    "Argument `output_shape` must be an integer or a tuple of integers "
                    f"(or None). Received: output_shape={output_shape}"
                ) from None
        if not all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in partial):
            raise ValueError(
                "Argument `output_shape` must be an integer or a tuple of integers "
                f"(or None). Received: output_shape={output_shape}"
            )
        for char in bias_axes or ():
            if char not in out_letters:
                raise ValueError(
                    f"Bias dimension '{char}' was requested, but is not part of the output "
                    f"spec '{out_letters}'"
                )
        self.equation = equation
        self.partial_output_shape = partial
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._act = None if self.activation is activations.linear else self.activation
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _kernel_initializer_for(self, input_axes, output_axes):
        """A variance-scaling initializer told which kernel axes are fans, as Keras does."""
        init = self.kernel_initializer
        if isinstance(init, VarianceScaling) and (
            init.input_axes is None or init.output_axes is None
        ):
            config = init.get_config()
            config["seed"] = init.seed
            config["input_axes"] = input_axes
            config["output_axes"] = output_axes
            return type(init).from_config(config)
        return init

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.kernel = self.add_weight(
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=self._kernel_initializer_for(input_axes, output_axes),
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    def call(self, inputs):
        if not inputs.is_floating_point():  # Keras promotes int and bool inputs to float
            inputs = inputs.to(self._compute_torch_dtype)
        x = torch.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self._act is not None:
            x = self._act(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(
            analyze_einsum(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2]
        )

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
