"""``RNN``: runs a recurrent cell (or a stack of cells) over a sequence."""

from __future__ import annotations

import torch

from kshim.layers.layer import Layer
from kshim.layers.rnn.base_rnn_cell import BaseRNNCell, masked_loop
from kshim.layers.rnn.stacked_rnn_cells import (
    StackedRNNCells,
    deserialize_layer,
    output_size,
    state_sizes,
)
from kshim.saving import serialization_lib
from kshim.saving.object_registration import keras_export


@keras_export("keras.layers.RNN")
class RNN(Layer):
    """Base class for recurrent layers: runs ``cell`` over the time axis.

    The built-in cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``) run a whole sequence
    at once: torch's fused kernels when Keras' conditions for them hold, else one matmul
    for the inputs of every step and a loop over time for the recurrent part. Any other
    cell (a layer with ``call(inputs, states)`` and ``state_size``) is called step by
    step. A list of cells is stacked (``StackedRNNCells``).

    Args:
        cell: An RNN cell, or a list of cells to stack.
        return_sequences: Return the output of every step (``True``) or the last one.
        return_state: Also return the final states.
        go_backwards: Process the sequence backwards (the returned sequence is in
            processing order, as in Keras).
        stateful: Keep the last states of each batch as the initial states of the next
            (needs a fixed batch size); ``reset_state()`` zeroes them.
        unroll: Accepted for Keras compatibility: the loop is a Python loop, unrolled by
            ``torch.compile`` anyway; ``True`` turns the fused kernels off.
        zero_output_for_mask: Masked steps output zeros instead of the previous output.
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        sequences: ``(batch_size, timesteps, features)`` tensor.
        initial_state: Tensor or list of tensors, the initial states.
        mask: Bool ``(batch_size, timesteps)``; ``False`` steps keep the previous state.
        training: Turns dropout on.

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        ``(batch_size, timesteps, units)`` with ``return_sequences`` else
        ``(batch_size, units)``; with ``return_state``, followed by the final states.

    >>> import torch
    >>> from kshim.layers.rnn.lstm_cell import LSTMCell
    >>> layer = RNN(LSTMCell(4), return_sequences=True, return_state=True)
    >>> seq, h, c = layer(torch.ones(2, 5, 3))
    >>> tuple(seq.shape), tuple(h.shape), tuple(c.shape)
    ((2, 5, 4), (2, 4), (2, 4))
    """

    # Set by LSTM/GRU: whether torch's fused kernels may run, and whether Keras itself
    # would take its fused layer path (which draws input dropout for any rate > 0).
    _allow_fused = True
    _keras_fused = False

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if "state_size" not in dir(cell):
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list "
                f"of integers, one integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self._expected_batch_size = None
        self._state_names = ()
        state_size = getattr(cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(
                "state_size must be an integer, or a list/tuple of integers "
                "(one for each state tensor)."
            )
        self.state_size = [state_size] if isinstance(state_size, int) else list(state_size)
        self.single_state = isinstance(state_size, int)
        self._stacked = isinstance(cell, StackedRNNCells)

    # ------------------------------------------------------------------ structure

    def _cells(self) -> list:
        return self.cell.cells if self._stacked else [self.cell]

    def _nested_states(self) -> list:
        """Per cell: whether Keras hands its states around as a list."""
        return [
            isinstance(c, BaseRNNCell) or isinstance(c.state_size, (list, tuple))
            for c in self._cells()
        ]

    def _pack_output_states(self, new_states):
        if not self._stacked:
            return list(new_states[0])
        return [
            list(st) if nested else st[0] for st, nested in zip(new_states, self._nested_states())
        ]

    # ------------------------------------------------------------------ build

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        self._check_rank(sequences_shape)
        step_shape = (sequences_shape[0], *sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. "
                    f"Found dynamic batch size: sequence.shape={sequences_shape}"
                )
            self._create_state_buffers(sequences_shape[0])

    def _check_rank(self, shape):
        builtin = all(isinstance(c, BaseRNNCell) for c in self._cells())
        if len(shape) == 3 or (len(shape) > 3 and not builtin):
            return
        if self.input_spec is not None:  # LSTM/GRU/SimpleRNN: Keras' InputSpec wording
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim=3, found ndim={len(shape)}. Full shape received: {shape}"
            )
        raise ValueError(
            f'Layer "{self.name}": argument `sequences` must be a 3D tensor of shape '
            f"(batch_size, timesteps, features). Received: sequences.shape={shape}"
        )

    def _create_state_buffers(self, batch_size):
        names = []
        dtype = self._compute_torch_dtype
        for i, cell in enumerate(self._cells()):
            for j, size in enumerate(state_sizes(cell)):
                name = f"_rnn_state_{i}_{j}"
                self.register_buffer(name, torch.zeros((batch_size, size), dtype=dtype), False)
                names.append(name)
        self._state_names = tuple(names)
        self._expected_batch_size = batch_size

    @property
    def states(self):
        """The stateful layer's current states (``None`` unless ``stateful``)."""
        if not self._state_names:
            return None
        flat = iter(getattr(self, n) for n in self._state_names)
        per_cell = [[next(flat) for _ in state_sizes(c)] for c in self._cells()]
        return self._pack_output_states(per_cell)

    def reset_state(self):
        """Zeroes the states of a stateful layer."""
        with torch.no_grad():
            for name in self._state_names:
                getattr(self, name).zero_()

    def reset_states(self):
        self.reset_state()

    def get_initial_state(self, batch_size):
        """Zero initial states, structured as the cell's ``state_size``."""
        states = []
        for cell in self._cells():
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                st = fn(batch_size=batch_size)
                states.append(list(st) if isinstance(st, (list, tuple)) else [st])
            else:
                states.append(
                    [
                        torch.zeros((batch_size, d), dtype=self._compute_torch_dtype)
                        for d in state_sizes(cell)
                    ]
                )
        return self._pack_output_states(states)

    # ------------------------------------------------------------------ call

    def _check_mask(self, mask, x):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is None:
            return None
        if not isinstance(mask, torch.Tensor):
            mask = torch.as_tensor(mask, device=x.device)
        shape = tuple(mask.shape)
        if len(shape) == 3 and shape[-1] == 1:
            mask = mask.squeeze(-1)
            shape = shape[:2]
        if shape != tuple(x.shape[:2]):
            raise ValueError(
                f'Layer "{self.name}": the `mask` must have shape (batch_size, timesteps) '
                f"= {tuple(x.shape[:2])} to match `sequences`. Received: "
                f"mask.shape={tuple(mask.shape)}, sequences.shape={tuple(x.shape)}"
            )
        return mask if mask.dtype == torch.bool else mask.to(torch.bool)

    def _initial_states(self, initial_state, x):
        """Per cell, the list of initial state tensors."""
        batch = x.shape[0]
        cells = self._cells()
        if initial_state is None:
            if self._state_names:
                flat = iter([getattr(self, n).clone() for n in self._state_names])
                return [[next(flat) for _ in state_sizes(c)] for c in cells]
            states = []
            for cell in cells:
                if (
                    isinstance(cell, BaseRNNCell)
                    or getattr(cell, "get_initial_state", None) is None
                ):
                    states.append([x.new_zeros((batch, d)) for d in state_sizes(cell)])
                else:
                    st = cell.get_initial_state(batch_size=batch)
                    st = list(st) if isinstance(st, (list, tuple)) else [st]
                    states.append([s.to(device=x.device, dtype=x.dtype) for s in st])
            return states
        given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        sizes = [state_sizes(c) for c in cells]
        if (
            self._stacked
            and len(given) == len(cells)
            and any(isinstance(g, (list, tuple)) for g in given)
        ):
            per_cell = [list(g) if isinstance(g, (list, tuple)) else [g] for g in given]
        else:
            flat = []
            for g in given:
                flat.extend(g if isinstance(g, (list, tuple)) else [g])
            it = iter(flat)
            per_cell = [[next(it, None) for _ in s] for s in sizes]
            if len(flat) != sum(len(s) for s in sizes):
                per_cell = None
        expected = [[(batch, d) for d in s] for s in sizes]
        got = None
        if per_cell is not None:
            got = [[tuple(t.shape) if hasattr(t, "shape") else None for t in st] for st in per_cell]
        if got != expected:
            if got is None:
                got = [tuple(t.shape) if hasattr(t, "shape") else t for t in given]
            exp = expected if self._stacked else expected[0]
            rec = got if self._stacked or not isinstance(got[0], list) else got[0]
            raise ValueError(
                f'Layer "{self.name}": `initial_state` must match the cell\'s state sizes: '
                f"expected shapes {exp}, received initial_state shapes {rec}"
            )
        dtype = x.dtype
        return [
            [
                (t if isinstance(t, torch.Tensor) else torch.as_tensor(t)).to(
                    device=x.device, dtype=dtype
                )
                for t in st
            ]
            for st in per_cell
        ]

    def call(self, sequences, initial_state=None, mask=None, training=False):
        x = sequences
        if x.dim() != 3:
            self._check_rank(tuple(x.shape))
        if not x.is_floating_point():
            x = x.to(self._compute_torch_dtype)
        mask = self._check_mask(mask, x)
        if self._state_names and x.shape[0] != self._expected_batch_size:
            raise ValueError(
                "If an RNN is stateful, the batch size of the input sequences must be the "
                "same as the batch size of the initial state. \n"
                f"- Expected batch size: {self._expected_batch_size}\n"
                f"- Received batch size: {x.shape[0]}"
            )
        states = self._initial_states(initial_state, x)
        if self.go_backwards:
            x = x.flip(1)
            if mask is not None:
                mask = mask.flip(1)
        training = bool(training)
        allow_fused = self._allow_fused and not self.unroll
        keras_fused = self._keras_fused and mask is None
        cells = self._cells()
        last = seq = None
        new_states = []
        for i, cell in enumerate(cells):
            return_sequences = self.return_sequences or i < len(cells) - 1
            if isinstance(cell, BaseRNNCell):
                last, seq, st = cell.run_sequence(
                    x,
                    states[i],
                    mask,
                    training,
                    return_sequences,
                    self.zero_output_for_mask,
                    allow_fused,
                    keras_fused,
                )
            else:
                last, seq, st = self._run_generic(
                    cell, x, states[i], mask, training, return_sequences
                )
            new_states.append(st)
            x = seq
        if self._state_names:
            with torch.no_grad():
                flat = [s for st in new_states for s in st]
                for name, value in zip(self._state_names, flat):
                    getattr(self, name).copy_(value.detach())
        output = seq if self.return_sequences else last
        if self.return_state:
            return (output, *self._pack_output_states(new_states))
        return output

    def _run_generic(self, cell, x, states, mask, training, return_sequences):
        """Steps a user cell (``call(inputs, states)``) through time."""
        kwargs = {}
        if isinstance(cell, Layer):
            if cell._call_has_training:
                kwargs["training"] = training
            fn = cell
        else:
            fn = cell if callable(cell) else cell.call

        def step(x_t, st):
            out, new = fn(x_t, st, **kwargs)
            return out, list(new) if isinstance(new, (list, tuple)) else [new]

        mask_tm = None if mask is None else mask.transpose(0, 1).unsqueeze(-1)
        return masked_loop(
            step, x.transpose(0, 1), states, mask_tm, return_sequences, self.zero_output_for_mask
        )

    # ------------------------------------------------------------------ shapes, masks

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        units = output_size(self.cell)
        out = (batch, length, units) if self.return_sequences else (batch, units)
        if not self.return_state:
            return out
        per_cell = [[(batch, d) for d in state_sizes(c)] for c in self._cells()]
        return (out, *self._pack_output_states(per_cell))

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # ------------------------------------------------------------------ config

    def get_config(self):
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialization_lib.serialize_keras_object(self.cell),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def cell_property(name: str) -> property:
    """A read-only layer attribute forwarded to ``self.cell`` (``LSTM.units``, ...)."""
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's ``{name}``.")


def forward_cell_attributes(*names: str):
    """Class decorator: ``layer.<name>`` reads ``layer.cell.<name>`` for each name (and for
    the attributes every built-in cell has), as Keras' LSTM/GRU/SimpleRNN do."""

    def decorate(cls):
        for name in (*CELL_ATTRIBUTES, *names):
            setattr(cls, name, cell_property(name))
        return cls

    return decorate


CELL_ATTRIBUTES = (
    "units",
    "activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
)


def _get_use_cudnn(self):
    return self._use_cudnn


def _set_use_cudnn(self, value):
    if value not in ("auto", True, False):
        raise ValueError(
            "Invalid valid received for argument `use_cudnn`. "
            "Expected one of {'auto', True, False}. "
            f"Received: use_cudnn={value}"
        )
    object.__setattr__(self, "_use_cudnn", value)
    # ``False`` keeps torch's fused kernels off; Keras' own fused layer path (which only
    # changes how input dropout is drawn) needs no recurrent dropout (and reset_after).
    object.__setattr__(self, "_allow_fused", value is not False)
    object.__setattr__(self, "_keras_fused", value is not False and self._keras_fused_possible)


use_cudnn_property = property(
    _get_use_cudnn,
    _set_use_cudnn,
    doc="``'auto'``, ``True`` or ``False``: whether torch's fused kernels may run.",
)
