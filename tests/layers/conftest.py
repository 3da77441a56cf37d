import pytest

from kshim.testing import run_layer_test


@pytest.fixture
def layer_test():
    """The shared layer gate, ``kshim.testing.run_layer_test``."""
    return run_layer_test
