import pytest

from kshim.layers import DepthwiseConv1D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(kernel_size=3), (2, 9, 3), (2, 7, 3), 2),
    "same-stride-multiplier": (
        dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2),
        (2, 8, 3),
        (2, 4, 6),
        2,
    ),
    "dilated-cf-no-bias": (
        dict(kernel_size=2, dilation_rate=3, data_format="channels_first", use_bias=False),
        (2, 3, 9),
        (2, 3, 6),
        1,
    ),
    "same-even-stride-dilation": (
        # Keras checks strides against dilation for Conv*D only: depthwise allows both.
        dict(kernel_size=2, strides=2, dilation_rate=2, padding="same", activation="relu"),
        (2, 7, 2),
        (2, 4, 2),
        2,
    ),
}
GATED = ("same-stride-multiplier", "dilated-cf-no-bias")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(DepthwiseConv1D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, DepthwiseConv1D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 6, 3)).astype("float32")
    same_error(keras, DepthwiseConv1D, dict(kernel_size=3), x[..., 0])
    layer = DepthwiseConv1D(3, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :2])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(depth_multiplier=0), "depth_multiplier"),
        (dict(padding="causal"), "padding"),
        (dict(kernel_size=(3, 3)), "kernel_size"),
        (dict(strides=0), "strides"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        DepthwiseConv1D(**{"kernel_size": 3, **kwargs})
