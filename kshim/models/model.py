"""``Model``: a layer with Keras' model API (``layers``, ``get_layer``, ``summary``,
``predict``). ``Model(inputs, outputs)`` makes a functional model; subclassing ``Model``
works as in Keras."""

from __future__ import annotations

import math
import sys
import time

import numpy as np
import torch

from kshim.layers.layer import Layer, _Holder
from kshim.models.symbolic import KerasTensor, flatten


def _is_functional_call(args, kwargs) -> bool:
    if "inputs" in kwargs and "outputs" in kwargs:
        return True
    if len(args) >= 2:
        return True
    if len(args) == 1 and "outputs" in kwargs:
        return True
    return False


class Model(Layer):
    """A group of layers with training and inference features.

    Three ways to make one, as in Keras:

    * functional: ``Model(inputs, outputs)`` from ``kshim.Input`` and layer calls;
    * ``kshim.Sequential([...])``;
    * subclassing: ``class MyModel(kshim.Model)`` with layers in ``__init__`` and a
      ``call``.

    A model is a ``Layer`` and so a ``torch.nn.Module``: it nests in other models and
    torch modules, and ``state_dict``/``.to()``/hooks/``torch.compile`` work on it.

    >>> import kshim, torch
    >>> x = kshim.Input((3,))
    >>> model = kshim.Model(x, kshim.layers.Dense(2)(x))
    >>> model(torch.ones(4, 3)).shape
    torch.Size([4, 2])
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from kshim.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(
                f"{type(self).__name__}: a subclassed Model takes no `inputs`/`outputs`; "
                "build a functional model with `kshim.Model(inputs, outputs)`."
            )
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        """Builds a subclassed model for ``input_shape`` by running it once, in inference
        mode and without gradients, on zeros of that shape (``None`` sizes taken as 1), so
        that every sub-layer creates its weights, as Keras' symbolic build does."""
        if input_shape is None:
            raise ValueError(
                f"Model '{self.name}': `build` needs an `input_shape`, e.g. "
                "`model.build((None, 16))`."
            )
        x = _zeros_for(input_shape)
        object.__setattr__(self, "built", True)  # call the model's `call` without rebuilding
        try:
            with torch.no_grad():
                self.call(x) if not self._call_has_training else self.call(x, training=False)
        except BaseException:
            object.__setattr__(self, "built", False)
            raise

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional config (``layers``, ``input_layers``, ``output_layers``) rebuilds
        the graph; any other config is passed to the constructor."""
        if isinstance(config, dict) and {"layers", "input_layers", "output_layers"} <= set(config):
            from kshim.models.functional import Functional
            from kshim.models.functional_config import functional_from_config

            target = Functional if cls is Model else cls
            return functional_from_config(target, config, custom_objects)
        return super().from_config(config)

    # ------------------------------------------------------------------ layers

    @property
    def layers(self) -> list:
        """The model's direct sub-layers, in the order they were tracked."""
        out, seen = [], set()

        def visit(m):
            for child in m._modules.values():
                if isinstance(child, _Holder):
                    visit(child)
                elif isinstance(child, Layer) and id(child) not in seen:
                    seen.add(id(child))
                    out.append(child)

        visit(self)
        return out

    def get_layer(self, name=None, index=None):
        """Returns a layer by name or by index (Keras' ``get_layer``)."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[la.name for la in layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def save(self, filepath, overwrite=True, zipped=None, **kwargs) -> None:
        """Saves the model as a Keras 3 ``.keras`` archive (or legacy ``.h5``)."""
        from kshim.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    # ------------------------------------------------------------------ summary

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Prints Keras' summary table: layers, output shapes, parameter counts and totals."""
        from kshim.models.summary import print_summary

        print_summary(
            self,
            line_length=line_length,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
        )

    # ------------------------------------------------------------------ predict

    def _device(self) -> torch.device | None:
        for t in self.parameters():
            return t.device
        for t in self.buffers():
            return t.device
        return None

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Runs the model in inference mode over ``x`` in batches; returns numpy arrays.

        Args:
            x: A numpy array or tensor, a list or dict of them, or an iterable of batches
                (a ``torch.utils.data.DataLoader``, a generator...); a batch that is a
                tuple is taken as ``(x, y, ...)`` and only ``x`` is used.
            batch_size: Samples per batch for arrays (32 by default).
            verbose: ``"auto"`` (a progress bar on a terminal), ``1`` (a bar), ``0``
                (silent) or ``2`` (one line per epoch: here, one line at the end).
            steps: Stop after this many batches.
            callbacks: Not supported; must be ``None``.

        Returns:
            Numpy arrays, in the structure of the model's outputs.
        """
        if callbacks:
            raise ValueError("Model.predict: kshim does not support callbacks.")
        if batch_size is None:
            batch_size = 32
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"Model.predict: `batch_size` must be a positive integer. "
                f"Received: batch_size={batch_size}"
            )
        if verbose not in ("auto", 0, 1, 2):
            raise ValueError(
                f"Model.predict: `verbose` must be 'auto', 0, 1 or 2. Received: {verbose!r}"
            )
        if verbose == "auto":
            verbose = 1 if sys.stdout.isatty() else 0
        n_inputs = len(getattr(self, "_input_names", None) or [None])
        batches, total = _batches(x, batch_size, n_inputs)
        if steps is not None:
            total = min(total, steps) if total is not None else steps
        device = self._device()
        bar = _Progbar(total) if verbose == 1 else None
        outs, start = [], time.perf_counter()
        with torch.no_grad():
            for i, batch in enumerate(batches):
                if steps is not None and i >= steps:
                    break
                batch = _to_tensors(batch, device)
                y = self(batch, training=False)
                outs.append(_to_numpy(y))
                if bar is not None:
                    bar.update(i + 1)
        if bar is not None:
            bar.finish()
        if verbose == 2:
            n = len(outs)
            print(f"{n}/{n} - {time.perf_counter() - start:.0f}s", flush=True)
        if not outs:
            raise ValueError("Model.predict: the input yielded no batch.")
        return _concat(outs)


# ---------------------------------------------------------------------- predict helpers


def _zeros_for(shape):
    if isinstance(shape, dict):
        return {k: _zeros_for(v) for k, v in shape.items()}
    if (
        isinstance(shape, (list, tuple))
        and shape
        and all(isinstance(s, (list, tuple)) or s is None for s in shape)
    ):
        return [_zeros_for(s) for s in shape]
    return torch.zeros(tuple(1 if d is None else int(d) for d in shape))


def _is_array(v) -> bool:
    return isinstance(v, (np.ndarray, torch.Tensor))


def _num_samples(x):
    if _is_array(x):
        return x.shape[0]
    if isinstance(x, (list, tuple)) and x and all(_is_array(v) for v in x):
        return x[0].shape[0]
    if isinstance(x, dict) and x and all(_is_array(v) for v in x.values()):
        return next(iter(x.values())).shape[0]
    return None


def _slice(x, i, j):
    if _is_array(x):
        return x[i:j]
    if isinstance(x, dict):
        return {k: v[i:j] for k, v in x.items()}
    return type(x)(v[i:j] for v in x)


def _batches(x, batch_size, n_inputs=1):
    n = _num_samples(x)
    if n is not None:
        total = math.ceil(n / batch_size)
        return (_slice(x, i, min(i + batch_size, n)) for i in range(0, n, batch_size)), total
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        raise TypeError(
            "Model.predict: `x` must be a numpy array or tensor, a list/dict of them, or an "
            f"iterable of batches. Received: x of type {type(x).__name__}"
        )
    total = len(x) if hasattr(x, "__len__") else None

    def gen():
        # Batches of (x, y[, sample_weight]): a DataLoader collates tuples into lists, so
        # a list longer than the model's input count is taken as such a tuple too.
        for batch in x:
            if isinstance(batch, tuple) or (
                isinstance(batch, list) and n_inputs == 1 and len(batch) in (2, 3)
            ):
                yield batch[0]
            else:
                yield batch

    return gen(), total


def _to_tensors(batch, device):
    if isinstance(batch, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(batch))
        if t.dtype == torch.float64:
            t = t.float()
        return t if device is None else t.to(device)
    if isinstance(batch, torch.Tensor):
        return batch if device is None else batch.to(device)
    if isinstance(batch, dict):
        return {k: _to_tensors(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_tensors(v, device) for v in batch)
    return batch


def _to_numpy(y):
    if isinstance(y, torch.Tensor):
        return y.detach().cpu().numpy()
    if isinstance(y, dict):
        return {k: _to_numpy(v) for k, v in y.items()}
    if isinstance(y, (list, tuple)):
        return type(y)(_to_numpy(v) for v in y)
    return y


def _concat(outs):
    first = outs[0]
    if isinstance(first, np.ndarray):
        return np.concatenate(outs, axis=0)
    if isinstance(first, dict):
        return {k: _concat([o[k] for o in outs]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concat([o[i] for o in outs]) for i in range(len(first)))
    return outs


class _Progbar:
    """Keras' one-line progress bar, drawn on stdout."""

    def __init__(self, total):
        self.total = total
        self.start = time.perf_counter()

    def _line(self, done):
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(done, 1)
        if self.total:
            filled = int(20 * done / self.total)
            bar = "\u2501" * filled + " " * (20 - filled)
            return f"\r{done}/{self.total} {bar} {elapsed:.0f}s {per_step * 1e3:.0f}ms/step"
        return f"\r{done} {elapsed:.0f}s {per_step * 1e3:.0f}ms/step"

    def update(self, done):
        sys.stdout.write(self._line(done))
        sys.stdout.flush()

    def finish(self):
        sys.stdout.write("\n")
        sys.stdout.flush()


__all__ = ["Model", "KerasTensor", "flatten"]
