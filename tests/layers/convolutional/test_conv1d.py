import pytest
import torch

from kshim.layers import Conv1D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(filters=4, kernel_size=3), (2, 9, 3), (2, 7, 4), 2),
    "causal-dilated": (
        dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2),
        (2, 9, 3),
        (2, 9, 4),
        2,
    ),
    "same-stride-cf": (
        dict(filters=4, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
        (2, 3, 10),
        (2, 4, 5),
        2,
    ),
    "same-even-kernel": (
        dict(filters=4, kernel_size=4, padding="same", activation="relu"),
        (2, 8, 2),
        (2, 8, 4),
        2,
    ),
    "groups": (
        dict(filters=6, kernel_size=2, strides=3, groups=3, use_bias=False),
        (2, 10, 3),
        (2, 3, 6),
        1,
    ),
    "causal-stride-cf": (
        dict(filters=2, kernel_size=3, strides=2, padding="causal", data_format="channels_first"),
        (2, 3, 8),
        (2, 2, 4),
        2,
    ),
}
# The shared gate compiles each layer four times: a subset of the table keeps it quick.
GATED = ("causal-dilated", "same-stride-cf", "groups")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(Conv1D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, Conv1D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_causal_output_ignores_the_future(rng):
    layer = Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = torch.from_numpy(rng.standard_normal((1, 12, 3)).astype("float32"))
    y = layer(x)
    x2 = x.clone()
    x2[:, 7:] = 0.0
    torch.testing.assert_close(layer(x2)[:, :7], y[:, :7])


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 9, 3)).astype("float32")
    same_error(keras, Conv1D, dict(filters=4, kernel_size=3), x[..., 0])  # rank 2
    layer = Conv1D(4, 3, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :2])
    with pytest.raises(ValueError, match="expected max_ndim=3, found ndim=4"):
        layer(x[None])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=0), "filters"),
        (dict(filters=2.5), "filters"),
        (dict(padding="full"), "padding"),
        (dict(kernel_size=0), "kernel_size"),
        (dict(strides=(1, 2)), "strides"),
        (dict(groups=0), "groups"),
        (dict(filters=3, groups=2), "groups"),
        (dict(strides=2, dilation_rate=2), "dilation_rate"),
        (dict(data_format="ncw"), "data_format"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Conv1D(**{"filters": 4, "kernel_size": 3, **kwargs})


def test_input_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match="evenly divisible by the number of groups"):
        Conv1D(4, 3, groups=2)(torch.ones(1, 5, 3))
