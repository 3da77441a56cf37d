import pytest

from kshim.layers import Conv3D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(filters=3, kernel_size=2), (1, 4, 4, 4, 2), (1, 3, 3, 3, 3), 2),
    "same-stride-asymmetric-cf": (
        dict(
            filters=3,
            kernel_size=3,
            strides=(2, 1, 2),
            padding="same",
            data_format="channels_first",
        ),
        (1, 2, 4, 5, 5),
        (1, 3, 2, 5, 3),
        2,
    ),
    "dilated-groups": (
        dict(filters=4, kernel_size=2, dilation_rate=2, groups=2, activation="relu"),
        (2, 4, 5, 4, 2),
        (2, 2, 3, 2, 4),
        2,
    ),
    "same-even-no-bias": (
        dict(filters=2, kernel_size=(2, 1, 3), padding="same", use_bias=False),
        (1, 3, 3, 4, 2),
        (1, 3, 3, 4, 2),
        1,
    ),
}
GATED = ("same-stride-asymmetric-cf", "dilated-groups")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(Conv3D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, Conv3D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((1, 4, 4, 4, 2)).astype("float32")
    same_error(keras, Conv3D, dict(filters=2, kernel_size=2), x[..., 0])  # rank 4
    layer = Conv3D(2, 2, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 2"):
        layer(x[..., :1])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=None), "filters"),
        (dict(padding="causal"), "padding"),
        (dict(kernel_size=(2, 2)), "kernel_size"),
        (dict(strides=(1, 1, 0)), "strides"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Conv3D(**{"filters": 4, "kernel_size": 3, **kwargs})
