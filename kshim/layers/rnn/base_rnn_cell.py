"""``BaseRNNCell``: what ``SimpleRNNCell``, ``LSTMCell`` and ``GRUCell`` share.

A cell is a Keras layer that computes one time step (``call(inputs, states)``). The
``RNN`` layer does not call it step by step, though: it asks the cell to run a whole
sequence (``run_sequence``), which lets the cell

* run torch's fused recurrent kernels (``torch._VF.lstm`` / ``gru`` / ``rnn_tanh``)
  with its Keras-layout weights rearranged on the fly, whenever Keras' conditions for a
  fused kernel hold (tanh/sigmoid activations, no active recurrent dropout, no mask or
  a mask whose valid steps are one contiguous block, such as a right-padded one);
* otherwise project the inputs of all time steps in one matmul and loop over time
  with only the recurrent matmul per step (the loop dynamo unrolls for a static length).

Dropout masks are drawn once per sequence and reused at every step, as in Keras.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kshim import activations, constraints, initializers, regularizers
from kshim import random as krandom
from kshim.layers.layer import Layer


def masked_loop(step, xs, states, mask, return_sequences, zero_output_for_mask):
    """Runs ``step(x_t, states) -> (output, new_states)`` over the leading (time) axis
    of ``xs``, keeping the previous state (and output) where ``mask`` is False.

    Args:
        step: The step function; ``states`` is a list of tensors.
        xs: Time-major inputs, indexable by step (a tensor ``(T, B, ...)``).
        states: List of initial state tensors.
        mask: ``None`` or a time-major bool tensor ``(T, B, 1)``.
        return_sequences: Whether to return every step's output.
        zero_output_for_mask: Masked steps output zeros instead of the previous output.

    Returns:
        ``(last_output, outputs or None, final_states)``; ``outputs`` is batch-major.
    """
    steps = xs.shape[0]
    outputs = []
    output = None
    prev = None
    for t in range(steps):
        output, new_states = step(xs[t], states)
        if mask is not None:
            m = mask[t]
            if prev is None:
                prev = torch.zeros_like(output)
            output = torch.where(
                m, output, torch.zeros_like(output) if zero_output_for_mask else prev
            )
            new_states = [torch.where(m, n, s) for n, s in zip(new_states, states)]
            prev = output
        states = new_states
        if return_sequences:
            outputs.append(output)
    seq = torch.stack(outputs, dim=1) if return_sequences else None
    return output, seq, list(states)


def contiguous_mask_block(mask):
    """``(ok, start, length)`` for a ``(B, T)`` bool mask: ``ok`` (a Python bool, read
    from the device once) tells whether each row's True steps form one contiguous block
    (right-padded, left-padded, or fully masked rows all do); ``start`` and ``length``
    are ``(B,)`` int64 tensors."""
    steps = mask.shape[1]
    length = mask.sum(1)
    start = torch.argmax(mask.to(torch.uint8), dim=1)
    ar = torch.arange(steps, device=mask.device)
    expected = (ar >= start[:, None]) & (ar < (start + length)[:, None])
    return torch.equal(expected, mask), start, length


class BaseRNNCell(Layer):
    """Shared constructor, dropout masks and sequence driver of the built-in cells.

    Subclasses define the gates (``_gates``), ``build``, ``_project`` (input side, all
    steps at once), ``_step`` (recurrent side, one step) and ``_fused`` (the torch kernel).
    """

    _gates = 1  # number of gate blocks in the kernels
    _masks_per_gate = False  # Keras' ``implementation=1``: one dropout mask per gate

    def __init__(
        self,
        units,
        activation="tanh",
        recurrent_activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(
                "Received an invalid value for argument `units`, "
                f"expected a positive integer, got {units}."
            )
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        for arg, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(
                    f"Argument `{arg}` must be a float between 0 and 1. Received: {arg}={value}"
                )
        # Keras clips the rates into [0, 1] rather than rejecting them.
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        # ``seed=None`` draws from torch's global generator (F.dropout, traces cleanly).
        self.seed_generator = krandom.SeedGenerator(seed) if seed is not None else None
        self._tanh_sigmoid = (
            self.activation is activations.tanh and self.recurrent_activation is activations.sigmoid
        )

    # ------------------------------------------------------------------ weights

    def _add_kernels(self, input_dim, bias_shape, bias_initializer=None):
        g = self._gates
        self.kernel = self.add_weight(
            shape=(input_dim, self.units * g),
            name="kernel",
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units * g),
            name="recurrent_kernel",
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                shape=bias_shape,
                name="bias",
                initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None

    # ------------------------------------------------------------------ dropout

    def _input_dropout_on(self, training, keras_fused=False):
        # Keras' cells drop for 0 < rate < 1; its fused LSTM/GRU layer path for rate > 0.
        if not training:
            return False
        return self.dropout > 0 if keras_fused else 0.0 < self.dropout < 1.0

    def _recurrent_dropout_on(self, training):
        return bool(training) and 0.0 < self.recurrent_dropout < 1.0

    def _draw_mask(self, shape, rate, ref):
        ones = torch.ones(shape, dtype=ref.dtype, device=ref.device)
        if self.seed_generator is None:
            return F.dropout(ones, rate, True)
        return krandom.dropout(ones, rate, seed=self.seed_generator)

    def _dropout_masks(self, batch, input_dim, ref, training, keras_fused=False):
        """``(input_mask, recurrent_mask)``: ``None``, ``(B, n)``, or ``(gates, B, n)``
        when Keras draws one mask per gate."""
        count = self._gates if self._masks_per_gate and not keras_fused else None
        dp = rdp = None
        if self._input_dropout_on(training, keras_fused):
            shape = (batch, input_dim) if count is None else (count, batch, input_dim)
            dp = self._draw_mask(shape, self.dropout, ref)
        if self._recurrent_dropout_on(training):
            shape = (batch, self.units) if count is None else (count, batch, self.units)
            rdp = self._draw_mask(shape, self.recurrent_dropout, ref)
        return dp, rdp

    # ------------------------------------------------------------------ projections

    def _project_inputs(self, x, dp, bias):
        """``x @ kernel + bias`` for ``x`` of shape ``(B, D)`` or ``(B, T, D)``, with an
        input dropout mask that is shared by all gates or drawn per gate."""
        kernel = self.kernel
        if dp is None or dp.dim() == 2:
            if dp is not None:
                x = x * (dp if x.dim() == 2 else dp.unsqueeze(1))
            if bias is not None and x.dim() == 2:
                return torch.addmm(bias, x, kernel)
            out = torch.matmul(x, kernel)
            return out if bias is None else out + bias
        # One mask per gate: (G, B, [T,] D) inputs against (G, D, U) kernel blocks.
        g, units = self._gates, self.units
        xs = x.unsqueeze(0) * (dp if x.dim() == 2 else dp.unsqueeze(2))
        blocks = kernel.view(kernel.shape[0], g, units).permute(1, 0, 2)
        lead = xs.shape[1:-1]
        out = torch.bmm(xs.reshape(g, -1, xs.shape[-1]), blocks)  # (G, N, U)
        out = out.permute(1, 0, 2).reshape(*lead, g * units)
        return out if bias is None else out + bias

    def _project_state(self, h, rdp, rkernel=None):
        """``h @ recurrent_kernel`` with a recurrent dropout mask (shared or per gate)."""
        rkernel = self.recurrent_kernel if rkernel is None else rkernel
        if rdp is None:
            return torch.mm(h, rkernel)
        if rdp.dim() == 2:
            return torch.mm(h * rdp, rkernel)
        g = rdp.shape[0]
        units = rkernel.shape[1] // g
        blocks = rkernel.view(rkernel.shape[0], g, units).permute(1, 0, 2)
        out = torch.bmm(h.unsqueeze(0) * rdp, blocks)  # (G, B, U)
        return out.permute(1, 0, 2).reshape(h.shape[0], g * units)

    # ------------------------------------------------------------------ Keras API

    def get_initial_state(self, batch_size=None):
        """Zero states, one ``(batch_size, size)`` tensor per entry of ``state_size``."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        dtype = self._compute_torch_dtype
        device = self.kernel.device if getattr(self, "kernel", None) is not None else None
        return [torch.zeros((batch_size, d), dtype=dtype, device=device) for d in sizes]

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        state_list = list(states) if nested else [states]
        if not inputs.is_floating_point():
            inputs = inputs.to(self._compute_torch_dtype)
        dp, rdp = self._dropout_masks(inputs.shape[0], inputs.shape[-1], inputs, training)
        xp = self._project_inputs(inputs, dp, self._input_bias())
        output, new_states = self._step(xp, state_list, rdp)
        return output, self._pack_states(new_states, nested)

    def _pack_states(self, new_states, nested):
        return new_states if nested else new_states[0]

    def _input_bias(self):
        return self.bias

    # ------------------------------------------------------------------ sequences

    def _fused_ok(self):
        """Whether torch's fused kernel computes this cell's step (activations, gates)."""
        return self._tanh_sigmoid

    def run_sequence(
        self,
        x,
        states,
        mask,
        training,
        return_sequences,
        zero_output_for_mask,
        allow_fused=True,
        keras_fused=False,
    ):
        """Runs the cell over a batch-major sequence ``x`` ``(B, T, D)``.

        Args:
            x: Inputs, already in processing order (flipped for ``go_backwards``).
            states: List of initial state tensors ``(B, size)``.
            mask: ``None`` or a bool ``(B, T)`` mask in processing order.
            training: Python bool; turns dropout on.
            return_sequences: Whether to return every step's output.
            zero_output_for_mask: Masked steps output zeros instead of the previous one.
            allow_fused: The layer allows torch's fused kernels (``unroll=False``,
                ``use_cudnn`` not ``False``).
            keras_fused: Keras itself takes its fused LSTM/GRU layer path here, which
                draws one input dropout mask for any rate > 0.

        Returns:
            ``(last_output, outputs or None, final_states)``.
        """
        dp, rdp = self._dropout_masks(x.shape[0], x.shape[2], x, training, keras_fused)
        if (
            allow_fused
            and rdp is None
            and (dp is None or dp.dim() == 2)
            and self._fused_ok()
            and self._fused_runtime_ok(x)
        ):
            if mask is None:
                if dp is not None:
                    x = x * dp.unsqueeze(1)
                out, final = self._fused(x, states, None)
                return out[:, -1], (out if return_sequences else None), final
            # A mask: one look at its values (eager only) tells whether each row's valid
            # steps form one block, which the fused kernel can run.
            if not torch.compiler.is_compiling() and x.device.type != "meta":
                ok, start, length = contiguous_mask_block(mask)
                if ok:
                    if dp is not None:
                        x = x * dp.unsqueeze(1)
                    return self._fused_block_masked(
                        x, states, start, length, return_sequences, zero_output_for_mask
                    )
        xp = self._project_inputs(x, dp, self._input_bias()).transpose(0, 1)
        mask_tm = None if mask is None else mask.transpose(0, 1).unsqueeze(-1)

        def step(xp_t, st):
            return self._step(xp_t, st, rdp)

        return masked_loop(step, xp, list(states), mask_tm, return_sequences, zero_output_for_mask)

    def _fused_runtime_ok(self, x):
        return True

    def _fused_params(self):
        """The weights in torch's layout for the fused kernel, rearranged per call (views
        and block copies: a cache keyed on ``_version`` would miss ``weight.data`` writes)."""
        return self._torch_params()

    def _fused_block_masked(self, x, states, start, length, return_sequences, zero_output):
        """The fused kernel for a mask whose valid steps are one block per row: the block
        is moved to the front, run, and the outputs put back where Keras has them (zeros
        before the block, the last valid output or zeros after it)."""
        steps = x.shape[1]
        ar = torch.arange(steps, device=x.device)
        src = (start[:, None] + ar).clamp(max=steps - 1)
        xc = torch.take_along_dim(x, src.unsqueeze(-1), dim=1)
        padding = ar[None, :] >= length[:, None]  # (B, T): steps past the block
        out_c, final = self._fused(xc, states, padding)
        has = (length > 0).unsqueeze(-1)
        last_idx = (length - 1).clamp(min=0)
        last_valid = torch.take_along_dim(out_c, last_idx[:, None, None], dim=1).squeeze(1)
        zero = torch.zeros((), dtype=out_c.dtype, device=out_c.device)
        # The output-like state (h) is the output of the last valid step (or the
        # initial state for a fully masked row); other states come from the kernel.
        final = [torch.where(has, last_valid, states[0]), *final[1:]]
        end = start + length
        if return_sequences:
            k = torch.minimum(ar[None, :] - start[:, None], last_idx[:, None]).clamp(min=0)
            seq = torch.take_along_dim(out_c, k.unsqueeze(-1), dim=1)
            keep = (ar[None, :] >= start[:, None]) & has
            if zero_output:
                keep = keep & (ar[None, :] < end[:, None])
            seq = torch.where(keep.unsqueeze(-1), seq, zero)
            return seq[:, -1], seq, final
        keep = has & ((end == steps).unsqueeze(-1) if zero_output else has)
        return torch.where(keep, last_valid, zero), None, final

    # ------------------------------------------------------------------ config

    def _base_cell_config(self):
        return {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }
