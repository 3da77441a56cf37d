"""kshim demo: a Keras-style model built, run eagerly and compiled (CUDA if present, else CPU).

scripts/demo.sh          # sets up .venv if needed, then runs this
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import kshim as keras  # noqa: E402  - the Keras user's import, changed to kshim


class SimpleDense(keras.layers.Layer):
    """Keras' documentation example: only the import and tf.matmul changed."""

    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return torch.matmul(inputs, self.w) + self.b


def per_call_us(fn, x, n=200):
    with torch.no_grad():
        for _ in range(10):
            fn(x)
        if x.is_cuda:
            torch.cuda.synchronize()
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(n):
                fn(x)
            if x.is_cuda:
                torch.cuda.synchronize()
            best = min(best, (time.perf_counter() - t0) * 1e6 / n)
    return best


def main() -> int:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("KERAS_BACKEND", "torch")  # for the Keras file step
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cpu":
        torch.set_num_threads(1)
    print(f"kshim {keras.__version__} on torch {torch.__version__}, device: {device}")

    # A Keras-style model: the functional API with a custom layer in it.
    inputs = keras.Input((64,), name="features")
    x = keras.layers.Dense(128, activation="relu")(inputs)
    x = keras.layers.Dropout(0.1)(x)
    x = SimpleDense(128)(x)
    x = torch.relu(x)  # torch functions on symbolic tensors are recorded too
    outputs = keras.layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="demo")
    model.summary()

    model = model.to(device)  # .to() decides the device, as in torch
    batch = torch.randn(32, 64, device=device)

    eager = model(batch)
    print(f"eager output: {tuple(eager.shape)} on {eager.device}")
    print(f"parameters: {sum(p.numel() for p in model.parameters()):,}")
    print(f"state_dict keys: {list(model.state_dict())[:4]} ...")

    backend = "inductor"
    t0 = time.perf_counter()
    compiled = torch.compile(model, fullgraph=True, backend=backend)
    out = compiled(batch)
    compile_s = time.perf_counter() - t0
    torch.testing.assert_close(out, eager, atol=1e-4, rtol=1e-4)
    print(
        f"compiled ({backend}, fullgraph=True) output matches eager; compiled in {compile_s:.1f}s"
    )

    t_eager = per_call_us(model, batch)
    t_compiled = per_call_us(compiled, batch)
    print(f"per call: eager {t_eager:.1f} us, compiled {t_compiled:.1f} us")
    if device.type == "cpu":
        print(
            "  (a model this small is mostly per-call overhead on CPU, compiled or not;"
            " compiling pays off on larger models: see scripts/bench.py)"
        )

    preds = model.predict(batch.cpu().numpy(), batch_size=16, verbose=0)
    print(f"predict -> numpy {preds.shape}")
    keras_file_roundtrip(device)
    return 0


def keras_file_roundtrip(device) -> None:
    """A model saved by Keras 3 loads into kshim and computes the same outputs."""
    import importlib
    import tempfile

    import numpy as np

    try:  # Keras 3 is a test dependency: the demo shows this step when it is installed
        real_keras = importlib.import_module("keras")
    except ImportError:
        print("Keras 3 not installed: skipping the Keras file step")
        return
    path = os.path.join(tempfile.mkdtemp(), "keras_model.keras")
    inputs = real_keras.Input((16,))
    hidden = real_keras.layers.Dense(32, activation="relu")(inputs)
    normed = real_keras.layers.BatchNormalization()(hidden)
    keras_model = real_keras.Model(inputs, real_keras.layers.Dense(4)(normed))
    keras_model.save(path)  # written by Keras 3

    ours = keras.saving.load_model(path).to(device)  # read by kshim (`keras` is kshim here)
    x = np.random.default_rng(0).standard_normal((8, 16)).astype("float32")
    expected = real_keras.ops.convert_to_numpy(keras_model(x))
    got = ours(torch.from_numpy(x).to(device)).detach().cpu().numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    print(
        f"Keras-saved {os.path.basename(path)} loaded into kshim: {type(ours).__name__} with "
        f"{len(ours.layers)} layers; outputs match Keras 3 within 1e-5"
    )


if __name__ == "__main__":
    raise SystemExit(main())
