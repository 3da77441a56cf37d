"""Reference models for the production-stack tests (export, ONNX, compiled inference).

Each model is built (so its weights exist), in inference mode, with random
BatchNormalization statistics so normalization is not an identity. A model whose layers
``kshim.layers`` does not have yet is skipped, naming the missing classes.
"""

import pytest
import torch

import kshim
from kshim import layers as L


def _require(*names):
    missing = [n for n in names if not hasattr(L, n)]
    if missing:
        pytest.skip(f"kshim.layers has no {', '.join(missing)} yet")


def _mlp_sequential():
    _require("Dense", "Dropout")
    return kshim.Sequential(
        [
            kshim.Input((8,)),
            L.Dense(16, activation="relu"),
            L.Dropout(0.3),
            L.Dense(4),
        ]
    )


def _mlp_functional():
    # A residual branch: the functional model runs a step with two inputs (Add).
    _require("Dense", "Dropout", "Add")
    x = kshim.Input((8,))
    h = L.Dense(16, activation="relu")(x)
    h = L.Dropout(0.3)(h)
    out = L.Add()([L.Dense(4)(h), L.Dense(4, use_bias=False)(x)])
    return kshim.Model(x, out)


def _cnn():
    _require("Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Flatten", "Dense")
    x = kshim.Input((8, 8, 3))
    h = L.Conv2D(4, 3, padding="same")(x)
    h = L.BatchNormalization()(h)
    h = L.ReLU()(h)
    h = L.MaxPooling2D()(h)
    out = L.Dense(2)(L.Flatten()(h))
    return kshim.Model(x, out)


def _lstm():
    _require("LSTM", "Dense")
    x = kshim.Input((5, 3))
    h = L.LSTM(6, return_sequences=True)(x)
    out = L.Dense(2)(L.LSTM(4)(h))
    return kshim.Model(x, out)


# name -> (factory, input shape without the batch dimension)
MODELS = {
    "mlp_sequential": (_mlp_sequential, (8,)),
    "mlp_functional": (_mlp_functional, (8,)),
    "cnn": (_cnn, (8, 8, 3)),
    "lstm": (_lstm, (5, 3)),
}


def make_model(name):
    """(built model in inference mode, per-sample input shape)."""
    factory, sample_shape = MODELS[name]
    torch.manual_seed(0)
    model = factory()
    assert model.built, f"{name}: a model with an Input is built at construction"
    if hasattr(L, "BatchNormalization"):
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, L.BatchNormalization):
                    m.moving_mean.copy_(torch.randn_like(m.moving_mean))
                    m.moving_variance.copy_(torch.rand_like(m.moving_variance) + 0.5)
    model.eval()
    return model, sample_shape


@pytest.fixture(params=list(MODELS))
def production_model(request):
    """A built reference model and its per-sample input shape."""
    return make_model(request.param)


class _TwoDense(kshim.Model):
    def __init__(self):
        super().__init__()
        self.hidden = L.Dense(5)
        self.out = L.Dense(3)

    def call(self, x):
        return self.out(self.hidden(x))


@pytest.fixture
def make_unbuilt():
    """Makes a model not built yet: ``"sequential"`` or ``"subclassed"``."""

    def make(kind):
        return kshim.Sequential([L.Dense(3)]) if kind == "sequential" else _TwoDense()

    return make
