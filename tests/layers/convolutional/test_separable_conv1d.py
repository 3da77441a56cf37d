import pytest

from kshim.layers import SeparableConv1D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(filters=4, kernel_size=3), (2, 9, 3), (2, 7, 4), 3),
    "same-stride-multiplier": (
        dict(filters=4, kernel_size=3, strides=2, padding="same", depth_multiplier=2),
        (2, 8, 3),
        (2, 4, 4),
        3,
    ),
    "dilated-cf-no-bias": (
        dict(
            filters=2,
            kernel_size=2,
            dilation_rate=2,
            data_format="channels_first",
            use_bias=False,
            activation="relu",
        ),
        (2, 3, 8),
        (2, 2, 6),
        2,
    ),
}
GATED = ("same-stride-multiplier", "dilated-cf-no-bias")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(SeparableConv1D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, SeparableConv1D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    same_error(keras, SeparableConv1D, dict(filters=2, kernel_size=3), x[..., 0])
    layer = SeparableConv1D(2, 3, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :2])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=0), "filters"),
        (dict(depth_multiplier=0), "depth_multiplier"),
        (dict(padding="causal"), "padding"),
        (dict(strides=(1, 1)), "strides"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        SeparableConv1D(**{"filters": 2, "kernel_size": 3, **kwargs})
