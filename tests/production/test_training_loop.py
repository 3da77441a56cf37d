"""Every catalog layer trains in a plain torch loop: ``torch.optim`` on
``model.parameters()``, ``loss.backward()``, ``model.losses`` added to the loss.

Each layer runs inside a small subclassed ``kshim.Model`` that first multiplies every
float input by a trainable per-feature scale (ones at start): weightless layers then have
something upstream to train, and its gradient shows that gradients flow *through* them.
"""

import pytest
import torch

import kshim
from kshim import layers as L
from kshim.layers.layer import Layer

# Layers the issue names explicitly: reported as skipped (not silently dropped) if absent.
REQUIRED = (
    "Dense",
    "Conv1D",
    "Conv2D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "Conv2DTranspose",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "Embedding",
    "EinsumDense",
    "PReLU",
    "LSTM",
    "GRU",
    "SimpleRNN",
    "Bidirectional",
    "MultiHeadAttention",
)

# Classes in kshim.layers that are not computation layers.
NOT_TRAINABLE_LAYERS = {
    "Layer": "the abstract base class",
    "InputLayer": "a graph input placeholder, not a computation",
}

ACT = {"activity_regularizer": "l2"}
KREG = {"kernel_regularizer": "l2"}

SEQ = [(4, 6, 5)]  # (batch, time, features)
VEC = [(4, 5)]
IMG = [(4, 6, 6, 3)]
VOL = [(2, 4, 4, 4, 3)]
PAIR = [(4, 5), (4, 5)]
QV = [(4, 3, 5), (4, 6, 5)]  # query, value


def _e(make, inputs, reg=ACT, weights=False, style="single", random=False):
    """A table entry.

    Args:
        make: ``make(**extra) -> layer``; ``extra`` is ``reg`` for the regularized twin.
        inputs: Input shapes (float), or ``("int", shape, high)`` for integer ids.
        reg: Constructor kwargs that make the layer add to ``model.losses``; ``None`` when
            the layer takes no regularizer argument (as in Keras).
        weights: Whether the layer has trainable weights of its own.
        style: ``"single"`` (``layer(x)``), ``"list"`` (``layer([a, b])``) or ``"args"``
            (``layer(a, b)``).
        random: Whether training mode draws random numbers.
    """
    return {
        "make": make,
        "inputs": inputs,
        "reg": reg,
        "weights": weights,
        "style": style,
        "random": random,
    }


def _cls(name):
    return getattr(L, name)


def _simple(name, *args, **kwargs):
    return lambda **extra: _cls(name)(*args, **kwargs, **extra)


TABLE = {
    # core
    "Dense": _e(_simple("Dense", 4), VEC, KREG, True),
    "EinsumDense": _e(
        _simple("EinsumDense", "ab,bc->ac", output_shape=4, bias_axes="c"), VEC, KREG, True
    ),
    "Embedding": _e(
        _simple("Embedding", 10, 4),
        [("int", (4, 6), 10)],
        {"embeddings_regularizer": "l2"},
        True,
    ),
    "Identity": _e(_simple("Identity"), VEC),
    "Lambda": _e(lambda **extra: L.Lambda(lambda x: torch.tanh(x) * 2.0, **extra), VEC),
    "Masking": _e(_simple("Masking", 0.0), SEQ),
    "TorchModuleWrapper": _e(
        lambda **extra: L.TorchModuleWrapper(torch.nn.Linear(5, 3), **extra), VEC, ACT, True
    ),
    # activations
    "Activation": _e(_simple("Activation", "tanh"), VEC),
    "ELU": _e(_simple("ELU"), VEC),
    "LeakyReLU": _e(_simple("LeakyReLU"), VEC),
    "PReLU": _e(
        _simple("PReLU", alpha_initializer=kshim.initializers.Constant(0.25)),
        VEC,
        {"alpha_regularizer": "l2"},
        True,
    ),
    "ReLU": _e(_simple("ReLU"), VEC),
    "Softmax": _e(_simple("Softmax"), VEC),
    # convolutional
    "Conv1D": _e(_simple("Conv1D", 4, 3), [(4, 8, 3)], KREG, True),
    "Conv2D": _e(_simple("Conv2D", 4, 3), IMG, KREG, True),
    "Conv3D": _e(_simple("Conv3D", 2, 2), VOL, KREG, True),
    "Conv1DTranspose": _e(_simple("Conv1DTranspose", 4, 3), [(4, 8, 3)], KREG, True),
    "Conv2DTranspose": _e(_simple("Conv2DTranspose", 4, 3, strides=2), IMG, KREG, True),
    "Conv3DTranspose": _e(_simple("Conv3DTranspose", 2, 2), VOL, KREG, True),
    "DepthwiseConv1D": _e(
        _simple("DepthwiseConv1D", 3), [(4, 8, 3)], {"depthwise_regularizer": "l2"}, True
    ),
    "DepthwiseConv2D": _e(
        _simple("DepthwiseConv2D", 3, depth_multiplier=2),
        IMG,
        {"depthwise_regularizer": "l2"},
        True,
    ),
    "SeparableConv1D": _e(
        _simple("SeparableConv1D", 4, 3),
        [(4, 8, 3)],
        {"depthwise_regularizer": "l2", "pointwise_regularizer": "l2"},
        True,
    ),
    "SeparableConv2D": _e(
        _simple("SeparableConv2D", 4, 3),
        IMG,
        {"depthwise_regularizer": "l2", "pointwise_regularizer": "l2"},
        True,
    ),
    # normalization
    "BatchNormalization": _e(_simple("BatchNormalization"), VEC, {"gamma_regularizer": "l2"}, True),
    "LayerNormalization": _e(_simple("LayerNormalization"), VEC, {"gamma_regularizer": "l2"}, True),
    "GroupNormalization": _e(
        _simple("GroupNormalization", groups=2), [(4, 6, 4)], {"gamma_regularizer": "l2"}, True
    ),
    "RMSNormalization": _e(_simple("RMSNormalization"), VEC, ACT, True),
    # l2 of a unit-norm output is constant (zero gradient): l1 is not.
    "UnitNormalization": _e(_simple("UnitNormalization"), VEC, {"activity_regularizer": "l1"}),
    # regularization
    "ActivityRegularization": _e(_simple("ActivityRegularization"), VEC, {"l2": 0.1}),
    "AlphaDropout": _e(_simple("AlphaDropout", 0.3), VEC, random=True),
    "Dropout": _e(_simple("Dropout", 0.3), VEC, random=True),
    "GaussianDropout": _e(_simple("GaussianDropout", 0.3), VEC, random=True),
    "GaussianNoise": _e(_simple("GaussianNoise", 0.3), VEC, random=True),
    "SpatialDropout1D": _e(_simple("SpatialDropout1D", 0.3), SEQ, None, random=True),
    "SpatialDropout2D": _e(_simple("SpatialDropout2D", 0.3), IMG, None, random=True),
    "SpatialDropout3D": _e(_simple("SpatialDropout3D", 0.3), VOL, None, random=True),
    # pooling
    "AveragePooling1D": _e(_simple("AveragePooling1D", 2), SEQ),
    "AveragePooling2D": _e(_simple("AveragePooling2D", 2), IMG),
    "AveragePooling3D": _e(_simple("AveragePooling3D", 2), VOL),
    "MaxPooling1D": _e(_simple("MaxPooling1D", 2), SEQ),
    "MaxPooling2D": _e(_simple("MaxPooling2D", 2), IMG),
    "MaxPooling3D": _e(_simple("MaxPooling3D", 2), VOL),
    "GlobalAveragePooling1D": _e(_simple("GlobalAveragePooling1D"), SEQ),
    "GlobalAveragePooling2D": _e(_simple("GlobalAveragePooling2D"), IMG),
    "GlobalAveragePooling3D": _e(_simple("GlobalAveragePooling3D"), VOL),
    "GlobalMaxPooling1D": _e(_simple("GlobalMaxPooling1D"), SEQ),
    "GlobalMaxPooling2D": _e(_simple("GlobalMaxPooling2D"), IMG),
    "GlobalMaxPooling3D": _e(_simple("GlobalMaxPooling3D"), VOL),
    # reshaping
    "Cropping1D": _e(_simple("Cropping1D", 1), SEQ),
    "Cropping2D": _e(_simple("Cropping2D", 1), IMG),
    "Cropping3D": _e(_simple("Cropping3D", 1), VOL),
    "Flatten": _e(_simple("Flatten"), [(4, 3, 2)]),
    "Permute": _e(_simple("Permute", (2, 1)), SEQ),
    "RepeatVector": _e(_simple("RepeatVector", 3), VEC),
    "Reshape": _e(_simple("Reshape", (5, 3)), [(4, 15)]),
    "UpSampling1D": _e(_simple("UpSampling1D", 2), [(4, 3, 2)]),
    "UpSampling2D": _e(_simple("UpSampling2D", 2), [(4, 3, 3, 2)]),
    "UpSampling3D": _e(_simple("UpSampling3D", 2), [(2, 2, 2, 2, 2)]),
    "ZeroPadding1D": _e(_simple("ZeroPadding1D", 1), SEQ),
    "ZeroPadding2D": _e(_simple("ZeroPadding2D", 1), IMG),
    "ZeroPadding3D": _e(_simple("ZeroPadding3D", 1), VOL),
    # merging
    "Add": _e(_simple("Add"), PAIR, style="list"),
    "Average": _e(_simple("Average"), PAIR, style="list"),
    "Concatenate": _e(_simple("Concatenate"), PAIR, style="list"),
    "Dot": _e(_simple("Dot", axes=1), PAIR, style="list"),
    "Maximum": _e(_simple("Maximum"), PAIR, style="list"),
    "Minimum": _e(_simple("Minimum"), PAIR, style="list"),
    "Multiply": _e(_simple("Multiply"), PAIR, style="list"),
    "Subtract": _e(_simple("Subtract"), PAIR, style="list"),
    # preprocessing
    "CenterCrop": _e(_simple("CenterCrop", 4, 4), IMG),
    "Normalization": _e(_simple("Normalization", mean=0.5, variance=2.0), VEC),
    "Rescaling": _e(_simple("Rescaling", 2.0, offset=0.5), VEC),
    "Resizing": _e(_simple("Resizing", 4, 4), IMG),
    # recurrent
    "LSTM": _e(_simple("LSTM", 3), SEQ, KREG, True),
    "GRU": _e(_simple("GRU", 3), SEQ, KREG, True),
    "SimpleRNN": _e(_simple("SimpleRNN", 3), SEQ, KREG, True),
    "LSTMCell": _e(lambda **extra: L.RNN(L.LSTMCell(3, **extra)), SEQ, KREG, True),
    "GRUCell": _e(lambda **extra: L.RNN(L.GRUCell(3, **extra)), SEQ, KREG, True),
    "SimpleRNNCell": _e(lambda **extra: L.RNN(L.SimpleRNNCell(3, **extra)), SEQ, KREG, True),
    "RNN": _e(
        lambda **extra: L.RNN([L.LSTMCell(3, **extra), L.GRUCell(2, **extra)]), SEQ, KREG, True
    ),
    "StackedRNNCells": _e(
        lambda **extra: L.RNN(
            L.StackedRNNCells([L.SimpleRNNCell(3, **extra), L.LSTMCell(2, **extra)])
        ),
        SEQ,
        KREG,
        True,
    ),
    "Bidirectional": _e(
        lambda **extra: L.Bidirectional(L.LSTM(3, return_sequences=True, **extra)),
        SEQ,
        KREG,
        True,
    ),
    "TimeDistributed": _e(lambda **extra: L.TimeDistributed(L.Dense(3, **extra)), SEQ, KREG, True),
    # attention
    "Attention": _e(_simple("Attention", use_scale=True), QV, ACT, True, style="list"),
    "AdditiveAttention": _e(_simple("AdditiveAttention"), QV, ACT, True, style="list"),
    "MultiHeadAttention": _e(
        _simple("MultiHeadAttention", num_heads=2, key_dim=3), QV, KREG, True, style="args"
    ),
    "GroupedQueryAttention": _e(
        _simple("GroupedQueryAttention", head_dim=2, num_query_heads=2, num_key_value_heads=1),
        QV,
        KREG,
        True,
        style="args",
    ),
}


def _layer_classes():
    """Layer subclasses exported by kshim.layers, each once, with all its public names."""
    by_class = {}
    for name in dir(L):
        obj = getattr(L, name)
        if isinstance(obj, type) and issubclass(obj, Layer) and not name.startswith("_"):
            by_class.setdefault(obj, []).append(name)
    return by_class


CASES = sorted(set(TABLE) | set(REQUIRED))


def _entry(name):
    if not hasattr(L, name):
        pytest.skip(f"kshim.layers has no {name} yet")
    return TABLE[name]


# ---------------------------------------------------------------------- the model


class _Scale(Layer):
    """``x * scale``: a trainable per-feature scale, ones at start."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, x):
        return x * self.scale


class _Harness(kshim.Model):
    def __init__(self, layer, entry):
        super().__init__()
        self.scales = [None if isinstance(spec[0], str) else _Scale() for spec in entry["inputs"]]
        self.layer = layer
        self.style = entry["style"]

    def call(self, inputs):
        xs = [x if s is None else s(x) for s, x in zip(self.scales, inputs)]
        if self.style == "list":
            return self.layer(xs)
        if self.style == "args":
            return self.layer(*xs)
        return self.layer(xs[0])


def _inputs(entry):
    g = torch.Generator().manual_seed(7)
    out = []
    for spec in entry["inputs"]:
        if isinstance(spec[0], str):
            _, shape, high = spec
            out.append(torch.randint(0, high, shape, generator=g))
        else:
            out.append(torch.randn(*spec, generator=g))
    return out


def _float_outputs(y):
    flat = y if isinstance(y, (list, tuple)) else [y]
    return [t for t in flat if isinstance(t, torch.Tensor) and t.is_floating_point()]


def _build(name, regularized=False):
    entry = _entry(name)
    extra = dict(entry["reg"]) if regularized else {}
    torch.manual_seed(0)
    layer = entry["make"](**extra)
    model = _Harness(layer, entry)
    xs = _inputs(entry)
    model.train()
    with torch.no_grad():
        outs = _float_outputs(model(xs))
    assert outs, f"{name}: no floating output"
    g = torch.Generator().manual_seed(11)
    targets = [torch.randn(o.shape, generator=g) for o in outs]
    return model, layer, xs, targets


def _data_loss(model, xs, targets):
    torch.manual_seed(3)  # the same noise every step for the random layers
    outs = _float_outputs(model(xs))
    return sum(torch.nn.functional.mse_loss(o, t) for o, t in zip(outs, targets))


def _trainable(model):
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def _grads(model):
    return {n: p.grad.detach().clone() for n, p in _trainable(model)}


# ---------------------------------------------------------------------- tests


def test_every_layer_class_has_a_table_entry():
    missing = [
        names
        for cls, names in _layer_classes().items()
        if not any(n in TABLE or n in NOT_TRAINABLE_LAYERS for n in names)
    ]
    assert not missing, f"add these kshim.layers classes to TABLE: {missing}"


@pytest.mark.parametrize("name", CASES)
def test_gradients_reach_every_trainable_weight(name):
    model, layer, xs, targets = _build(name)
    params = _trainable(model)
    # Keras' view and torch's agree: an optimizer on model.parameters() trains exactly
    # the weights Keras calls trainable.
    assert {id(w) for w in model.trainable_weights} == {id(p) for _, p in params}
    assert bool(layer.trainable_weights) == _entry(name)["weights"], layer.trainable_weights
    _data_loss(model, xs, targets).backward()
    for n, p in params:
        assert p.grad is not None, f"{name}: no gradient reached {n}"
        assert torch.isfinite(p.grad).all(), f"{name}: non-finite gradient for {n}"
    if any(isinstance(s, _Scale) for s in model.scales):
        # The upstream scale trains only if gradients flow through the layer.
        scale_grads = [s.scale.grad for s in model.scales if s is not None]
        assert any(bool((g != 0).any()) for g in scale_grads), f"{name}: no gradient through it"


@pytest.mark.parametrize("name", CASES)
def test_model_losses_change_the_gradient(name):
    entry = _entry(name)
    if entry["reg"] is None:
        pytest.skip(f"{name} takes no regularizer argument (as in Keras)")
    model, _, xs, targets = _build(name, regularized=True)
    params = _trainable(model)
    _data_loss(model, xs, targets).backward()
    plain = _grads(model)
    model.zero_grad()
    data = _data_loss(model, xs, targets)
    losses = model.losses
    assert losses, f"{name}: model.losses is empty with {entry['reg']}"
    assert all(torch.isfinite(loss).all() for loss in losses)
    (data + sum(losses)).backward()
    with_losses = _grads(model)
    changed = [n for n in plain if not torch.allclose(plain[n], with_losses[n])]
    assert changed, f"{name}: adding model.losses did not change any gradient"
    # Weight regularizers: the change is exactly the penalty's own gradient.
    for n, p in params:
        reg = getattr(p, "regularizer", None)
        if reg is None:
            continue
        leaf = p.detach().clone().requires_grad_(True)
        (expected,) = torch.autograd.grad(reg(leaf), leaf)
        torch.testing.assert_close(with_losses[n] - plain[n], expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", CASES)
def test_adam_steps_reduce_the_loss(name):
    model, _, xs, targets = _build(name)
    params = [p for _, p in _trainable(model)]
    opt = torch.optim.Adam(params, lr=1e-2)
    history = []
    for _ in range(8):
        opt.zero_grad()
        loss = _data_loss(model, xs, targets)
        loss.backward()
        opt.step()
        history.append(loss.item())
    with torch.no_grad():
        final = _data_loss(model, xs, targets).item()
    assert final < history[0] * 0.999, f"{name}: loss {history[0]:.5f} -> {final:.5f} ({history})"
