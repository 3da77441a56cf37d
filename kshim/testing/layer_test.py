"""The shared layer test harness: one gate every layer passes the same way.

``run_layer_test`` checks a layer class for: a config round trip, weight counts and names,
the output shape (real call, ``compute_output_shape`` and a symbolic call), a backward
pass, eager/compiled agreement, zero graph breaks under ``torch.compile``, a call on the
``meta`` device, and a ``state_dict`` that loads into a twin. ``assert_keras_parity``
compares a kshim layer with the same Keras 3 layer given the same weights and inputs (it
imports Keras, a test-only dependency, when called).
"""

from __future__ import annotations

import copy
import os

import numpy as np
import torch
import torch._dynamo

from kshim.backend import config


def _random_input(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if "int" in dtype:
        return torch.from_numpy(rng.integers(0, 10, size=shape).astype(dtype))
    if dtype == "bool":
        return torch.from_numpy(rng.random(shape) > 0.5)
    return torch.from_numpy(rng.standard_normal(shape).astype(dtype))


def _map(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    return fn(x)


def _flat(x) -> list:
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _flat(v)]
    if isinstance(x, dict):
        return [y for v in x.values() for y in _flat(v)]
    return [x]


def _shape_structure(x):
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    return _map(lambda t: tuple(t.shape) if isinstance(t, torch.Tensor) else t, x)


def _make_inputs(input_shape, input_dtype, input_data, seed=0):
    if input_data is not None:
        return _map(
            lambda a: torch.as_tensor(a) if not isinstance(a, torch.Tensor) else a, input_data
        )
    if isinstance(input_shape, dict):
        dt = (
            input_dtype
            if isinstance(input_dtype, dict)
            else dict.fromkeys(input_shape, input_dtype)
        )
        return {
            k: _random_input(s, dt[k], seed + i) for i, (k, s) in enumerate(input_shape.items())
        }
    if isinstance(input_shape, list):
        dts = input_dtype if isinstance(input_dtype, list) else [input_dtype] * len(input_shape)
        return [_random_input(s, d, seed + i) for i, (s, d) in enumerate(zip(input_shape, dts))]
    return _random_input(tuple(input_shape), input_dtype, seed)


def _unbatched(shape):
    if isinstance(shape, dict):
        return {k: (None, *tuple(s)[1:]) for k, s in shape.items()}
    if isinstance(shape, list):
        return [(None, *tuple(s)[1:]) for s in shape]
    return (None, *tuple(shape)[1:])


def _compare(a, b, atol, rtol, what):
    for x, y in zip(_flat(a), _flat(b)):
        if isinstance(x, torch.Tensor):
            torch.testing.assert_close(x, y, atol=atol, rtol=rtol, msg=lambda m: f"{what}: {m}")


def run_layer_test(
    layer_cls,
    init_kwargs,
    input_shape=None,
    input_dtype="float32",
    input_data=None,
    call_kwargs: dict | None = None,
    expected_output_shape=None,
    expected_output_dtype=None,
    expected_num_trainable_weights: int | None = None,
    expected_num_non_trainable_weights: int | None = None,
    expected_weight_names: list | None = None,
    expected_num_losses: int | None = None,
    supports_masking: bool | None = None,
    deterministic_in_training: bool = True,
    run_training_check: bool = True,
    run_compile_check: bool = True,
    run_symbolic_check: bool = True,
    run_meta_check: bool = True,
    compile_backend: str = "aot_eager",
    atol: float = 1e-6,
    rtol: float = 1e-6,
):
    """Runs the shared gate on ``layer_cls(**init_kwargs)``. Raises AssertionError on a
    failure. Returns the built layer, for further checks."""
    call_kwargs = dict(call_kwargs or {})
    # Each construction gets its own copy of the arguments, so layers made from other
    # layer instances (RNN cells, wrapped layers) never share sub-layers between the
    # instances built here. ``init_kwargs`` may also be a function returning the kwargs.
    if callable(init_kwargs):
        make_kwargs = init_kwargs
    else:
        frozen = dict(init_kwargs)

        def make_kwargs():
            return copy.deepcopy(frozen)

    # 1. Config round trip.
    layer = layer_cls(**make_kwargs())
    cfg = layer.get_config()
    assert isinstance(cfg, dict), f"{layer_cls.__name__}.get_config() must return a dict"
    revived = layer_cls.from_config(copy.deepcopy(cfg))
    assert revived.get_config() == cfg, (
        f"{layer_cls.__name__}: config does not round-trip:\n{cfg}\n!=\n{revived.get_config()}"
    )
    if supports_masking is not None:
        assert bool(getattr(layer, "supports_masking", False)) == supports_masking

    # 2. A real call: builds, output shape and dtype, weights.
    x = _make_inputs(input_shape, input_dtype, input_data)
    if input_shape is None:
        input_shape = _shape_structure(x)
    out = layer(x, **call_kwargs)
    assert layer.built, f"{layer_cls.__name__} is not built after its first call"
    if expected_output_shape is not None:
        got = _normalize_shape(_shape_structure(out))
        assert got == _normalize_shape(expected_output_shape), (
            f"{layer_cls.__name__}: output shape {got} != expected {expected_output_shape}"
        )
    if expected_output_dtype is not None:
        for t in _flat(out):
            assert config.standardize_dtype(t.dtype) == expected_output_dtype, (
                f"{layer_cls.__name__}: output dtype {t.dtype} != {expected_output_dtype}"
            )
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{layer_cls.__name__}: {len(layer.trainable_weights)} trainable weights, "
            f"expected {expected_num_trainable_weights}"
        )
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, (
            f"{layer_cls.__name__}: {len(layer.non_trainable_weights)} non-trainable weights, "
            f"expected {expected_num_non_trainable_weights}"
        )
    if expected_weight_names is not None:
        assert [w.name for w in layer.weights] == list(expected_weight_names)
    if expected_num_losses is not None:
        assert len(layer.losses) == expected_num_losses
    # Every weight appears in state_dict exactly once.
    ids = [id(v) for v in layer.state_dict(keep_vars=True).values()]
    assert len(ids) == len(set(ids)), f"{layer_cls.__name__}: a weight appears twice in state_dict"
    missing = [w.name for w in layer.weights if id(w) not in set(ids)]
    assert not missing, f"{layer_cls.__name__}: weights missing from state_dict: {missing}"

    # 3. compute_output_shape agrees with the real output.
    cos = layer.compute_output_shape(input_shape)
    real = _shape_structure(out)
    assert _normalize_shape(cos) == _normalize_shape(real), (
        f"{layer_cls.__name__}: compute_output_shape {cos} != real output shape {real}"
    )

    # 4. Symbolic call on a KerasTensor with an unknown batch size.
    if run_symbolic_check:
        from kshim.models.symbolic import KerasTensor, symbolic_call

        fresh = layer_cls(**make_kwargs())
        dtypes = input_dtype
        shapes = _unbatched(input_shape)
        if isinstance(shapes, list):
            dts = dtypes if isinstance(dtypes, list) else [dtypes] * len(shapes)
            kt = [KerasTensor(s, d) for s, d in zip(shapes, dts)]
        elif isinstance(shapes, dict):
            kt = {
                k: KerasTensor(s, dtypes if isinstance(dtypes, str) else dtypes[k])
                for k, s in shapes.items()
            }
        else:
            kt = KerasTensor(shapes, dtypes if isinstance(dtypes, str) else "float32")

        def to_symbolic(t):
            if isinstance(t, torch.Tensor):
                return KerasTensor((None, *t.shape[1:]), config.standardize_dtype(t.dtype))
            return t

        sym_kwargs = {k: _map(to_symbolic, v) for k, v in call_kwargs.items()}
        sym = symbolic_call(fresh, (kt,), sym_kwargs)
        sym_shapes = _map(lambda t: t.shape, sym)
        expected_sym = _unbatch_shapes(_normalize_shape(real))
        assert _normalize_shape(sym_shapes) == expected_sym, (
            f"{layer_cls.__name__}: symbolic output shape {sym_shapes} != {expected_sym}"
        )

    # 5. A twin loads the state dict and computes the same outputs.
    twin = layer_cls(**make_kwargs())
    twin(x, **call_kwargs)
    twin.load_state_dict(layer.state_dict())
    _compare(
        twin(x, **call_kwargs), layer(x, **call_kwargs), atol, rtol, "twin after load_state_dict"
    )

    # 6. One backward pass in training mode.
    if run_training_check and layer.trainable_weights:
        xs = _map(lambda t: t.clone().requires_grad_(t.is_floating_point()), x)
        y = layer(xs, training=True, **call_kwargs)
        total = sum(t.float().sum() for t in _flat(y) if isinstance(t, torch.Tensor))
        total.backward()
        for w in layer.trainable_weights:
            assert w.grad is not None, f"{layer_cls.__name__}: no gradient for weight {w.name}"
        layer.zero_grad(set_to_none=True)

    # 7. Compiled: zero graph breaks, and the same result as eager.
    if run_compile_check:
        modes = (False, True) if run_training_check else (False,)
        for training in modes:
            torch._dynamo.reset()
            explain = torch._dynamo.explain(layer)(x, training=training, **call_kwargs)
            # A layer that makes no graph at all (Identity) reports -1 breaks: no reasons.
            assert not explain.break_reasons and explain.graph_break_count <= 0, (
                f"{layer_cls.__name__} (training={training}): {explain.graph_break_count} graph "
                f"breaks: {explain.break_reasons}"
            )
            if training and not deterministic_in_training:
                # Random: no comparison with eager, but fullgraph must accept it (explain
                # can report 0 breaks for code fullgraph refuses).
                torch.compile(layer, fullgraph=True, backend=compile_backend)(
                    x, training=True, **call_kwargs
                )
                continue
            snapshot = {k: v.clone() for k, v in layer.state_dict().items()}
            eager = layer(x, training=training, **call_kwargs)
            layer.load_state_dict(snapshot)
            compiled = torch.compile(layer, fullgraph=True, backend=compile_backend)
            got = compiled(x, training=training, **call_kwargs)
            layer.load_state_dict(snapshot)
            _compare(got, eager, 1e-5, 1e-5, f"compiled vs eager (training={training})")
        torch._dynamo.reset()

    # 8. On the meta device: builds there, no compute, right shapes.
    if run_meta_check:
        fresh = layer_cls(**make_kwargs())

        def to_meta(t):
            return t.to("meta") if isinstance(t, torch.Tensor) else t

        xm = _map(to_meta, x)
        ym = fresh(xm, **{k: _map(to_meta, v) for k, v in call_kwargs.items()})
        for t in _flat(ym):
            if isinstance(t, torch.Tensor):
                assert t.device.type == "meta"
        for w in fresh.weights:
            assert w.device.type == "meta", f"{layer_cls.__name__}: weight {w.name} not on meta"
        assert _normalize_shape(_shape_structure(ym)) == _normalize_shape(real)
    return layer


def _unbatch_shapes(s):
    """The shape structure with each shape's batch dimension replaced by ``None``."""
    if isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s):
        return (None, *s[1:])
    if isinstance(s, (list, tuple)):
        return [_unbatch_shapes(v) for v in s]
    if isinstance(s, dict):
        return {k: _unbatch_shapes(v) for k, v in s.items()}
    return s


def _normalize_shape(s):
    if isinstance(s, (tuple, torch.Size)) and all(d is None or isinstance(d, int) for d in s):
        return tuple(s)
    if isinstance(s, (list, tuple)):
        return [_normalize_shape(v) for v in s]
    if isinstance(s, dict):
        return {k: _normalize_shape(v) for k, v in s.items()}
    return s


def assert_keras_parity(
    kshim_layer,
    keras_layer,
    inputs,
    call_kwargs: dict | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    compare_weights_after: bool = False,
):
    """Builds both layers on ``inputs`` (numpy arrays), copies Keras' weights into the
    kshim layer with ``set_weights(get_weights())``, and asserts the outputs agree.

    Returns ``(kshim_output, keras_output)`` as numpy structures.
    """
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    call_kwargs = dict(call_kwargs or {})
    k_in = _map(lambda a: keras.ops.convert_to_tensor(np.asarray(a)), inputs)
    s_in = _map(lambda a: torch.from_numpy(np.array(a)), inputs)
    keras_layer(k_in, **{k: v for k, v in call_kwargs.items() if k != "training"})
    kshim_layer(s_in, **{k: v for k, v in call_kwargs.items() if k != "training"})
    kw = keras_layer.get_weights()
    sw = kshim_layer.get_weights()
    assert len(kw) == len(sw), f"weight counts differ: keras {len(kw)} vs kshim {len(sw)}"
    for a, b in zip(kw, sw):
        assert a.shape == b.shape, f"weight shapes differ: keras {a.shape} vs kshim {b.shape}"
    kshim_layer.set_weights(kw)
    k_out = keras_layer(k_in, **call_kwargs)
    s_out = kshim_layer(s_in, **call_kwargs)
    k_np = _map(lambda t: keras.ops.convert_to_numpy(t), k_out)
    s_np = _map(lambda t: t.detach().cpu().numpy(), s_out)
    for a, b in zip(_flat(s_np), _flat(k_np)):
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
    if compare_weights_after:
        for a, b in zip(kshim_layer.get_weights(), keras_layer.get_weights()):
            np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
    return s_np, k_np
