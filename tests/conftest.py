import os

# Keras 3 (a test-only dependency) must pick its torch backend before it is imported.
os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture
def keras():
    """Keras 3 on its torch backend, for parity tests."""
    return pytest.importorskip("keras")


@pytest.fixture(autouse=True)
def _reset_dynamo():
    yield
    import torch._dynamo

    torch._dynamo.reset()
