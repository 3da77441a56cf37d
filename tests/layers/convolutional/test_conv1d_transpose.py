import pytest

from kshim.layers import Conv1DTranspose

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "same-stride-crop": (
        dict(filters=3, kernel_size=3, strides=2, padding="same"),
        (2, 5, 2),
        (2, 10, 3),
        2,
    ),
    "valid-output-padding-cf": (
        dict(
            filters=3,
            kernel_size=4,
            strides=3,
            output_padding=2,
            data_format="channels_first",
        ),
        (2, 2, 4),
        (2, 3, 15),
        2,
    ),
    "same-dilated": (
        dict(filters=3, kernel_size=3, dilation_rate=2, padding="same"),
        (2, 5, 2),
        (2, 5, 3),
        2,
    ),
    "valid-stride-above-kernel": (
        dict(filters=3, kernel_size=2, strides=3, activation="relu"),
        (2, 4, 2),
        (2, 12, 3),
        2,
    ),
    "same-output-padding": (
        dict(filters=2, kernel_size=5, strides=2, padding="same", output_padding=1, use_bias=False),
        (2, 4, 3),
        (2, 8, 2),
        1,
    ),
}
GATED = ("same-stride-crop", "valid-output-padding-cf")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(Conv1DTranspose, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, Conv1DTranspose, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    same_error(keras, Conv1DTranspose, dict(filters=2, kernel_size=3), x[..., 0])
    layer = Conv1DTranspose(2, 3, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :1])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=0), "filters"),
        (dict(padding="causal"), "padding"),
        (dict(strides=2, output_padding=2), "output_padding"),
        (dict(output_padding=-1), "output_padding"),
        (dict(strides=2, dilation_rate=2), "dilation_rate"),
        (dict(kernel_size=(2, 2)), "kernel_size"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Conv1DTranspose(**{"filters": 4, "kernel_size": 3, **kwargs})
