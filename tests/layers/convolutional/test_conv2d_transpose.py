import numpy as np
import pytest
import torch

from kshim.layers import Conv2DTranspose
from kshim.layers.convolutional.base_conv_transpose import keras_transpose_pads

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "same-stride-crop": (
        dict(filters=4, kernel_size=3, strides=2, padding="same"),
        (2, 4, 5, 3),
        (2, 8, 10, 4),
        2,
    ),
    "valid-output-padding-cf": (
        dict(
            filters=4,
            kernel_size=3,
            strides=2,
            output_padding=1,
            data_format="channels_first",
        ),
        (2, 3, 4, 4),
        (2, 4, 10, 10),
        2,
    ),
    "same-mixed-output-padding": (
        dict(filters=4, kernel_size=(2, 3), strides=(2, 1), padding="same", output_padding=(1, 0)),
        (2, 3, 4, 2),
        (2, 5, 4, 4),
        2,
    ),
    "valid-dilated": (
        dict(filters=4, kernel_size=3, dilation_rate=2),
        (2, 4, 4, 2),
        (2, 8, 8, 4),
        2,
    ),
    "same-even-kernel-cf": (
        dict(
            filters=4,
            kernel_size=4,
            strides=3,
            padding="same",
            use_bias=False,
            activation="tanh",
            data_format="channels_first",
        ),
        (2, 2, 3, 3),
        (2, 4, 9, 9),
        1,
    ),
}
GATED = ("same-stride-crop", "same-mixed-output-padding", "same-even-kernel-cf")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(Conv2DTranspose, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, Conv2DTranspose, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_same_padding_puts_the_extra_element_before(keras, rng):
    """Keras' odd "same" padding differs from torch's (its extra element goes before):
    with kernel 3 and stride 2 the output is torch's full output less its last row and
    column, not torch's ``padding=1, output_padding=1``."""
    assert keras_transpose_pads(3, 2, "same", None) == (2, 1)
    layer = Conv2DTranspose(1, 3, strides=2, padding="same", use_bias=False)
    x = torch.from_numpy(rng.standard_normal((1, 3, 3, 1)).astype("float32"))
    y = layer(x)
    w = layer.kernel.detach().permute(3, 2, 0, 1)
    full = torch.nn.functional.conv_transpose2d(x.permute(0, 3, 1, 2), w, stride=2)
    np.testing.assert_allclose(
        y.detach()[0, ..., 0].numpy(), full[0, 0, :-1, :-1].numpy(), rtol=1e-6
    )


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 4, 4, 3)).astype("float32")
    same_error(keras, Conv2DTranspose, dict(filters=2, kernel_size=3), x[..., 0])
    layer = Conv2DTranspose(2, 3, data_format="channels_first", name="under_test")
    layer(np.moveaxis(x, -1, 1))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        layer(x)


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=-2), "filters"),
        (dict(padding="full"), "padding"),
        (dict(strides=(2, 1), output_padding=(1, 1)), "output_padding"),
        (dict(output_padding=(1, 1, 1)), "output_padding"),
        (dict(strides=(1, 2), dilation_rate=(2, 1)), "dilation_rate"),
        (dict(data_format="nchw"), "data_format"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Conv2DTranspose(**{"filters": 4, "kernel_size": 3, **kwargs})
