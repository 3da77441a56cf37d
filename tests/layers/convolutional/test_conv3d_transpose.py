import pytest

from kshim.layers import Conv3DTranspose

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "same-stride-crop": (
        dict(filters=2, kernel_size=3, strides=2, padding="same"),
        (1, 2, 3, 2, 2),
        (1, 4, 6, 4, 2),
        2,
    ),
    "valid-output-padding-cf": (
        dict(
            filters=2,
            kernel_size=2,
            strides=(1, 2, 3),
            output_padding=(0, 1, 2),
            data_format="channels_first",
        ),
        (1, 2, 2, 2, 2),
        (1, 2, 3, 5, 7),
        2,
    ),
    "same-dilated-no-bias": (
        dict(filters=2, kernel_size=3, dilation_rate=(1, 2, 1), padding="same", use_bias=False),
        (1, 3, 3, 3, 2),
        (1, 3, 3, 3, 2),
        1,
    ),
}
GATED = ("same-stride-crop",)


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(Conv3DTranspose, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, Conv3DTranspose, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_positional_order_matches_keras():
    # Keras 3's Conv3DTranspose takes data_format before output_padding.
    layer = Conv3DTranspose(2, 3, 1, "valid", "channels_first", None)
    assert layer.data_format == "channels_first" and layer.output_padding is None


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((1, 2, 2, 2, 3)).astype("float32")
    same_error(keras, Conv3DTranspose, dict(filters=2, kernel_size=2), x[..., 0])
    layer = Conv3DTranspose(2, 2, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :2])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=0), "filters"),
        (dict(output_padding=1), "output_padding"),
        (dict(kernel_size=(2, 2)), "kernel_size"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Conv3DTranspose(**{"filters": 4, "kernel_size": 3, **kwargs})
