"""GRU (both reset_after conventions): the layer gate, Keras parity, configs, bad input."""

import numpy as np
import pytest
import torch

from kshim.layers import GRU

X = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")
MASK_NAMES = ["right", "empty_row", "left", "holes"]


@pytest.mark.parametrize(
    "kwargs, out_shape, bias",
    [
        ({"units": 3, "return_state": True}, [(2, 3), (2, 3)], (2, 9)),
        ({"units": 3, "reset_after": False, "return_sequences": True}, (2, 4, 3), (9,)),
    ],
)
def test_gate(gate, kwargs, out_shape, bias):
    layer = gate(GRU, kwargs, (2, 4, 5), out_shape, trainable=3)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 9), (3, 9), bias]


CONFIGS = [
    {},
    {"return_sequences": True, "return_state": True},
    {"go_backwards": True, "return_sequences": True},
    {"use_bias": False, "return_state": True},
    {"unroll": True, "return_sequences": True},
    {"activation": "relu", "return_sequences": True},
    {"reset_after": False, "return_sequences": True},
    {"reset_after": False, "go_backwards": True, "return_state": True, "use_bias": False},
    {"recurrent_dropout": 0.3, "return_sequences": True},
    {"recurrent_dropout": 0.3, "reset_after": False},
]


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_keras_parity(keras, parity, kwargs):
    ours = GRU(5, name="gru_under_test", **kwargs)
    theirs = keras.layers.GRU(5, name="gru_under_test", **kwargs)
    modes = (False,) if kwargs.get("recurrent_dropout") else (False, True)
    parity(ours, theirs, X, training=modes)


@pytest.mark.parametrize("mask", MASK_NAMES)
@pytest.mark.parametrize("reset_after", [True, False])
def test_keras_parity_masked(keras, parity, masks, mask, reset_after):
    kwargs = {"return_sequences": True, "return_state": True, "reset_after": reset_after}
    ours = GRU(5, name="gru_masked", **kwargs)
    theirs = keras.layers.GRU(5, name="gru_masked", **kwargs)
    parity(ours, theirs, X, call_kwargs={"mask": masks[mask]})


def test_keras_parity_go_backwards_masked(keras, parity, masks):
    kwargs = {"return_sequences": True, "go_backwards": True, "zero_output_for_mask": True}
    ours = GRU(5, name="gru_back", **kwargs)
    theirs = keras.layers.GRU(5, name="gru_back", **kwargs)
    parity(ours, theirs, X, call_kwargs={"mask": masks["right"]})


def test_matches_torch_gru():
    """torch's GRU is Keras' reset_after=True with gates reordered z, r, h -> r, z, n."""
    layer = GRU(4, return_sequences=True)
    x = torch.randn(2, 6, 3)
    layer(x)
    u = 4
    order = [*range(u, 2 * u), *range(u), *range(2 * u, 3 * u)]
    ref = torch.nn.GRU(3, u, batch_first=True)
    with torch.no_grad():
        ref.weight_ih_l0.copy_(layer.cell.kernel.t()[order])
        ref.weight_hh_l0.copy_(layer.cell.recurrent_kernel.t()[order])
        ref.bias_ih_l0.copy_(layer.cell.bias[0][order])
        ref.bias_hh_l0.copy_(layer.cell.bias[1][order])
    torch.testing.assert_close(layer(x), ref(x)[0], atol=1e-6, rtol=1e-6)


def test_get_config_matches_keras(keras):
    kwargs = {
        "units": 4,
        "recurrent_activation": "hard_sigmoid",
        "reset_after": False,
        "dropout": 0.1,
        "bias_constraint": "non_neg",
        "stateful": True,
        "unroll": True,
        "name": "configured",
    }
    ours, theirs = GRU(**kwargs), keras.layers.GRU(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert GRU.from_config(ours.get_config()).get_config() == ours.get_config()
    assert ours.reset_after is False and ours.use_cudnn == "auto"


def test_bad_input():
    layer = GRU(3, name="gru_bad")
    with pytest.raises(ValueError, match=r"gru_bad.*expected ndim=3, found ndim=2"):
        layer(torch.ones(2, 5))
    x = torch.ones(2, 4, 5)
    layer(x)
    with pytest.raises(ValueError, match=r"`mask`.*\(2, 4\).*mask.shape=\(3, 4\)"):
        layer(x, mask=torch.ones(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"`initial_state`.*\(2, 3\).*\(2, 5\)"):
        layer(x, initial_state=torch.zeros(2, 5))
