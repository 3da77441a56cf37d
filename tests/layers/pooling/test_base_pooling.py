"""``BasePooling``: Keras' "same" padding, checked against Keras 3's torch backend."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kshim.layers import AveragePooling1D, MaxPooling1D
from kshim.layers.pooling.base_pooling import _same_padding_1d

keras = pytest.importorskip("keras")


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 9), s=st.integers(1, 9))
def test_same_padding_matches_keras(n, k, s):
    from keras.src.backend.torch.nn import _compute_padding_length

    assert _same_padding_1d(n, k, s) == _compute_padding_length(n, k, s)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 12),
    k=st.integers(1, 5),
    s=st.integers(1, 4),
    mode=st.sampled_from(["average", "max"]),
    fmt=st.sampled_from(["channels_last", "channels_first"]),
)
def test_same_padding_outputs_match_keras(n, k, s, mode, fmt):
    # Every border case of "same": symmetric, asymmetric, windows larger than the input.
    cls = AveragePooling1D if mode == "average" else MaxPooling1D
    kwargs = {"pool_size": k, "strides": s, "padding": "same", "data_format": fmt}
    shape = (2, n, 3) if fmt == "channels_last" else (2, 3, n)
    x = np.random.default_rng(n * 100 + k * 10 + s).standard_normal(shape).astype("float32")
    ours = cls(**kwargs)(x).numpy()
    theirs = keras.ops.convert_to_numpy(getattr(keras.layers, cls.__name__)(**kwargs)(x))
    np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=0)


def test_padding_is_kept_as_given_in_config():
    layer = MaxPooling1D(padding="Same")
    assert layer.get_config()["padding"] == "Same"
    assert layer(np.ones((1, 3, 1), "float32")).shape == (1, 2, 1)


@pytest.mark.parametrize("length", [3, 4])
def test_valid_window_larger_than_input_fails(length):
    with pytest.raises(ValueError, match="zero or negative"):
        MaxPooling1D(5).compute_output_shape((1, length, 1))


def test_asymmetric_max_padding_equals_the_replicate_padded_form():
    # Max "same" pooling skips Keras' replicate-padded copy (ceil_mode, or a shifted
    # window for stride 1): exhaustively the same values as the padded form.
    import torch
    import torch.nn.functional as F

    for k in range(1, 7):
        for s in range(1, 6):
            layer = MaxPooling1D(k, s, padding="same", data_format="channels_first")
            for n in range(1, 15):
                x = torch.randn(1, 1, n)
                a, b = _same_padding_1d(n, k, s)
                padded = F.pad(x, (a, b), mode="replicate") if a != b else x
                want = F.max_pool1d(padded, k, s, 0 if a != b else a)
                assert torch.equal(layer(x), want), (n, k, s)
