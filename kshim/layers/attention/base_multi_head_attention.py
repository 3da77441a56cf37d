"""``BaseMultiHeadAttention``: the machinery ``MultiHeadAttention`` and
``GroupedQueryAttention`` share (projections, masks, the attention itself).

Keras 3 computes attention in one of two ways, and the two disagree on a query row whose
every key is masked:

* its fused path (``ops.dot_product_attention``, taken when scores are not returned, there
  is no dropout and the projected tensors have rank 4) adds a large *finite* negative bias,
  so such a row attends uniformly (its output is the mean of the values);
* its explicit path (``Softmax`` layer with a mask) zeroes the masked probabilities, so
  such a row's probabilities, and its output, are zero.

kshim runs ``torch.nn.functional.scaled_dot_product_attention`` whenever scores are not
returned (dropout included: SDPA applies it to the probabilities exactly as Keras'
``Dropout`` does) and reproduces whichever answer Keras gives for the same call: a finite
additive mask gives the uniform rows, and when Keras would have taken its explicit path
(``dropout > 0``) the fully masked rows are zeroed after SDPA. A boolean ``attn_mask``
would not do: torch turns it into ``-inf``, and fully masked rows then come out as zeros
on some kernels and NaN on others.
"""

from __future__ import annotations

import string

import torch
import torch.nn.functional as F

from kshim import constraints, initializers, regularizers
from kshim import random as krandom
from kshim.layers.core.einsum_dense import EinsumDense
from kshim.layers.layer import Layer


def sdpa_mask_value(dtype: torch.dtype) -> float:
    """The bias Keras' torch ``dot_product_attention`` gives masked logits."""
    return -0.7 * (65500.0 if dtype == torch.float16 else 3.38953e38)


def softmax_mask_value(dtype: torch.dtype) -> float:
    """The logit Keras' ``Softmax`` layer gives masked positions."""
    return -3e4 if dtype == torch.float16 else -1e9


def as_bool(mask: torch.Tensor) -> torch.Tensor:
    """Keras casts masks to bool: any non-zero value keeps."""
    return mask if mask.dtype == torch.bool else mask != 0


def expand_mask(keep: torch.Tensor, rank: int, num_axes: int) -> torch.Tensor:
    """Inserts size-1 axes in front of the ``2 * num_axes`` attention axes of ``keep``
    (where the head axis lives) until it has ``rank`` axes, as Keras does."""
    missing = rank - keep.dim()
    if missing <= 0:
        return keep
    shape = tuple(keep.shape)
    cut = len(shape) - 2 * num_axes
    return keep.reshape(shape[:cut] + (1,) * missing + shape[cut:])


def check_mask(layer, name, mask, expected, input_name, input_shape) -> None:
    """A ``<input>_mask`` must have the input's shape without its last axis (size-1 axes
    broadcast)."""
    shape = tuple(mask.shape)
    if len(shape) != len(expected) or any(d != 1 and d != e for d, e in zip(shape, expected)):
        raise ValueError(
            f'Layer "{layer.name}": the shape of `{name}` must be the shape of '
            f"`{input_name}` without its last axis, {tuple(expected)}. Received: "
            f"{name}.shape={shape} and {input_name}.shape={tuple(input_shape)}"
        )


def attention_equations(rank: int, axes: tuple) -> tuple:
    """Einsum equations of the explicit path for projected tensors of rank ``rank``
    (``(batch, ..., heads, channels)``) attending over ``axes``.

    Returns ``(dot_equation, combine_equation, scores_rank)``; the scores are laid out as
    ``(batch, <other axes>, heads, <query attention axes>, <key attention axes>)``.
    """
    letters = string.ascii_lowercase
    target = letters[:rank]
    source = list(target)
    for n, axis in enumerate(axes):
        source[axis] = letters[rank + n]
    source = "".join(source)
    kept = [i for i in range(rank - 1) if i not in axes]
    scores = (
        "".join(target[i] for i in kept)
        + "".join(target[a] for a in axes)
        + "".join(source[a] for a in axes)
    )
    return f"{target},{source}->{scores}", f"{scores},{source}->{target}", len(scores)


class BaseMultiHeadAttention(Layer):
    """Shared base of ``MultiHeadAttention`` and ``GroupedQueryAttention``; not used
    directly.

    A subclass stores its configuration with ``_init_common`` and, in ``build``, creates
    its projections with ``_make_dense`` (in Keras' order: query, key, gate, value,
    attention_output) and calls ``_finish_build``.
    """

    # ------------------------------------------------------------------ configuration

    def _init_common(
        self,
        dropout,
        use_bias,
        use_gate,
        sliding_window,
        flash_attention,
        kernel_initializer,
        bias_initializer,
        kernel_regularizer,
        bias_regularizer,
        activity_regularizer,
        kernel_constraint,
        bias_constraint,
        seed,
    ) -> None:
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, (int, float))
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "Invalid value received for argument `dropout`. Expected a float value "
                f"between 0 and 1. Received: dropout={dropout}"
            )
        if sliding_window is not None and (
            isinstance(sliding_window, bool)
            or not isinstance(sliding_window, int)
            or sliding_window <= 0
        ):
            raise ValueError(
                "`sliding_window` must be `None` or a positive integer. "
                f"Received: sliding_window={sliding_window}"
            )
        if flash_attention and dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. "
                "Please set dropout to 0.0 to use flash attention."
            )
        self.supports_masking = True
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        # What ``call`` reads, under names both subclasses share.
        self._rate = float(dropout)
        self._bias_on = bool(use_bias)
        self._gated = bool(use_gate)
        self._window = sliding_window
        # An explicit seed needs kshim's seeded dropout (explicit path); without one, SDPA
        # draws from torch's global generator, as Keras' torch backend does.
        self._seed_gen = krandom.SeedGenerator(seed) if dropout > 0 and seed is not None else None
        # Sub-layers with an activity regularizer are called as layers so they record
        # their penalties; otherwise ``call`` uses their weights directly.
        self._via_sublayers = self._activity_regularizer is not None

    def _common_config(self) -> dict:
        return {
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
        }

    def _make_dense(self, equation, output_shape, bias_axes, name, input_shape, activation=None):
        """An ``EinsumDense`` projection, built on ``input_shape``, with fresh copies of the
        initializers (a shared seeded initializer would give every kernel the same values)."""
        kernel_init = type(self._kernel_initializer).from_config(
            self._kernel_initializer.get_config()
        )
        bias_init = type(self._bias_initializer).from_config(self._bias_initializer.get_config())
        dense = EinsumDense(
            equation,
            output_shape=output_shape,
            activation=activation,
            bias_axes=bias_axes if self._bias_on else None,
            kernel_initializer=kernel_init,
            bias_initializer=bias_init,
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )
        dense.build(tuple(input_shape))
        return dense

    def _finish_build(self, query_shape, value_shape, key_shape, axes, num_heads, kv_heads):
        """Works out, once, everything ``call`` needs."""
        rank = len(query_shape) + 1  # of the projected tensors
        self._q_rank = len(query_shape)
        self._axes = tuple(axes)
        self._n_axes = len(self._axes)
        self._heads = num_heads
        self._kv_heads = kv_heads
        self._repeats = num_heads // kv_heads
        self._fused = rank == 4  # one attention axis: SDPA's (batch, heads, length, channels)
        self._dot_eq, self._combine_eq, self._scores_rank = attention_equations(rank, self._axes)
        # Input axes that are neither attention axes nor features: they must agree.
        self._shared_axes = tuple(i for i in range(len(query_shape) - 1) if i not in self._axes)
        self._in_dims = (value_shape[-1], key_shape[-1])  # the query's: its InputSpec
        out = self._output_dense.kernel.shape[2:]
        self._out_dims = tuple(out)

    # ------------------------------------------------------------------ call

    def _project(self, dense, x, n_in: int):
        """``dense(x)`` with the output axes flattened: one fused ``addmm`` on the kernel
        viewed as a matrix (the einsum equations here all contract trailing axes)."""
        if n_in > 1:
            x = x.flatten(-n_in)
        kernel = dense.kernel
        w = kernel.reshape(x.shape[-1], -1)
        b = dense.bias
        return F.linear(x, w.t(), None if b is None else b.reshape(-1))

    def _heads_of(self, dense, x, heads: int):
        """``(batch, ..., heads, channels)`` projection of ``x``."""
        if self._via_sublayers:
            return dense(x)
        return self._project(dense, x, 1).unflatten(-1, (heads, dense.kernel.shape[-1]))

    def _check_call(self, query, value, key) -> None:
        name = self.name
        v_dim, k_dim = self._in_dims
        rank = self._q_rank
        if value.dim() != rank or value.shape[-1] != v_dim:
            raise ValueError(
                f'Layer "{name}" expects `value` of rank {rank} with last axis {v_dim} (as '
                f"when it was built). Received: value.shape={tuple(value.shape)} and "
                f"query.shape={tuple(query.shape)}"
            )
        if key is not value:
            if key.dim() != rank or key.shape[-1] != k_dim:
                raise ValueError(
                    f'Layer "{name}" expects `key` of rank {rank} with last axis {k_dim} '
                    f"(as when it was built). Received: key.shape={tuple(key.shape)} and "
                    f"value.shape={tuple(value.shape)}"
                )
            if key.shape[:-1] != value.shape[:-1]:
                raise ValueError(
                    "All dimensions of `value` and `key`, except the last one, must be "
                    f"equal. Received: value_shape={tuple(value.shape)} and "
                    f"key_shape={tuple(key.shape)}"
                )
        for i in self._shared_axes:
            if query.shape[i] != value.shape[i]:
                raise ValueError(
                    f'Layer "{name}": `query` and `value` must agree on every axis but the '
                    f"attention axes {self._axes} and the last one. Received: "
                    f"query.shape={tuple(query.shape)} and value.shape={tuple(value.shape)}"
                )

    def _check_attention_mask(self, mask, query, key) -> None:
        # Keras inserts size-1 axes just before the attention axes, so a mask lines up
        # with the scores' leading axes ``(batch, <other axes>, heads)`` from the left and
        # with their attention axes from the right.
        q_shape, k_shape = tuple(query.shape), tuple(key.shape)
        lead = tuple(q_shape[i] for i in self._shared_axes)
        full_lead = lead + (self._heads,)
        attn = tuple(q_shape[a] for a in self._axes) + tuple(k_shape[a] for a in self._axes)
        shape = tuple(mask.shape)
        cut = len(shape) - len(attn)
        ok = 0 <= cut <= len(full_lead) and all(
            d == 1 or d == e for d, e in zip(shape, full_lead[:cut] + attn)
        )
        if not ok:
            raise ValueError(
                f'Layer "{self.name}": `attention_mask` must broadcast to the attention '
                f"scores without their head axis, {lead + attn} (or with it, "
                f"{full_lead + attn}). Received: attention_mask.shape={shape}, "
                f"query.shape={q_shape} and key.shape={k_shape}"
            )

    def _keep_mask(
        self, query, value, key, query_mask, value_mask, key_mask, attention_mask, causal
    ):
        """The boolean keep-mask (``True`` = attend) of one call, Keras' masks combined,
        or ``None``."""
        keep = None
        if query_mask is not None:
            check_mask(self, "query_mask", query_mask, query.shape[:-1], "query", query.shape)
            keep = as_bool(query_mask).unsqueeze(-1)
        if value_mask is not None:
            check_mask(self, "value_mask", value_mask, value.shape[:-1], "value", value.shape)
            m = as_bool(value_mask).unsqueeze(-2)
            keep = m if keep is None else keep & m
        if key_mask is not None:
            check_mask(self, "key_mask", key_mask, key.shape[:-1], "key", key.shape)
            m = as_bool(key_mask).unsqueeze(-2)
            keep = m if keep is None else keep & m
        if causal or self._window is not None:
            # Keras builds these from the sizes of axis 1 of query and value.
            device = query.device
            rows = torch.arange(query.shape[1], device=device).unsqueeze(-1)
            cols = torch.arange(value.shape[1], device=device)
            if causal:
                m = rows >= cols
                keep = m if keep is None else keep & m
            if self._window is not None:
                m = (rows - cols).abs() < self._window
                keep = m if keep is None else keep & m
        if attention_mask is not None:
            self._check_attention_mask(attention_mask, query, key)
            m = as_bool(attention_mask)
            keep = m if keep is None else m & keep
        return keep

    def _explicit(self, q, k, v, keep, training):
        """Keras' explicit path: scores, masked softmax, dropout, combination. ``q, k, v``
        are ``(batch, ..., heads, channels)``; returns the output in the same layout and
        the (pre-dropout) probabilities."""
        if self._repeats > 1:
            k = k.repeat_interleave(self._repeats, dim=-2)
            v = v.repeat_interleave(self._repeats, dim=-2)
        q = q * self._scale
        if self._fused:  # one attention axis: batched matmuls over (batch, heads)
            scores = torch.matmul(q.transpose(1, 2), k.permute(0, 2, 3, 1))
        else:
            scores = torch.einsum(self._dot_eq, q, k)
        if keep is not None:
            keep = expand_mask(keep, self._scores_rank, self._n_axes)
            scores = torch.where(keep, scores, softmax_mask_value(scores.dtype))
        if self._n_axes == 1:
            probs = torch.softmax(scores, dim=-1)
        else:
            flat = scores.flatten(-self._n_axes)
            probs = torch.softmax(flat, dim=-1).view(scores.shape)
        if keep is not None:
            probs = torch.where(keep, probs, 0.0)
        dropped = probs
        if training and self._rate > 0:
            if self._seed_gen is None:
                dropped = F.dropout(probs, self._rate, True)
            else:
                dropped = krandom.dropout(probs, self._rate, seed=self._seed_gen)
        if self._fused:
            return torch.matmul(dropped, v.transpose(1, 2)).transpose(1, 2), probs
        return torch.einsum(self._combine_eq, dropped, v), probs

    def _fused_attention(self, q, k, v, keep, causal, training):
        """SDPA on ``(batch, length, heads, channels)`` tensors; same layout out."""
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        bias = None
        gqa = self._repeats > 1
        if keep is not None:
            keep = expand_mask(keep, 4, 1)
            bias = torch.where(keep, 0.0, sdpa_mask_value(q.dtype)).to(q.dtype)
            if gqa:
                # Masked grouped attention has no fused kernel on CUDA: expand K/V instead.
                k = k.repeat_interleave(self._repeats, dim=1)
                v = v.repeat_interleave(self._repeats, dim=1)
                gqa = False
        out = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=bias,
            dropout_p=self._rate if training else 0.0,
            is_causal=causal,
            scale=self._scale,
            enable_gqa=gqa,
        )
        if keep is not None and self._rate > 0:
            # Keras takes its explicit path when dropout > 0: fully masked rows are zero.
            out = out * keep.any(-1, keepdim=True)
        return out.transpose(1, 2)

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        # Only ``query`` is autocast by the base class: bring the others to its dtype.
        if value.dtype != query.dtype and value.is_floating_point():
            value = value.to(query.dtype)
        if key is None:
            key = value
        elif key.dtype != query.dtype and key.is_floating_point():
            key = key.to(query.dtype)
        self._check_call(query, value, key)
        explicit = (
            return_attention_scores or not self._fused or (training and self._seed_gen is not None)
        )
        if return_attention_scores and self._flash_attention:
            raise ValueError(
                "Returning attention scores is not supported when flash attention is "
                "enabled. Please disable flash attention to access attention scores."
            )
        has_masks = (
            query_mask is not None
            or value_mask is not None
            or key_mask is not None
            or attention_mask is not None
            or self._window is not None
        )
        # Causal alone goes to SDPA's ``is_causal`` (no mask tensor, flash kernels on GPU).
        native_causal = use_causal_mask and not has_masks and not explicit
        keep = None
        if has_masks or (use_causal_mask and not native_causal):
            keep = self._keep_mask(
                query,
                value,
                key,
                query_mask,
                value_mask,
                key_mask,
                attention_mask,
                use_causal_mask,
            )

        gate = None
        if self._gated:
            gate = self._heads_of(self._gate_dense, query, self._heads)
            if not self._via_sublayers:  # the sub-layer applies its sigmoid itself
                gate = torch.sigmoid(gate)
        q = self._heads_of(self._query_dense, query, self._heads)
        k = self._heads_of(self._key_dense, key, self._kv_heads)
        v = self._heads_of(self._value_dense, value, self._kv_heads)

        scores = None
        if explicit:
            out, scores = self._explicit(q, k, v, keep, training)
        else:
            out = self._fused_attention(q, k, v, keep, native_causal, training)
        if gate is not None:
            out = out * gate

        if self._via_sublayers:
            out = self._output_dense(out)
        else:
            out = self._project(self._output_dense, out, 2)
            if len(self._out_dims) > 1:
                out = out.unflatten(-1, self._out_dims)
        if return_attention_scores:
            return out, scores
        return out
