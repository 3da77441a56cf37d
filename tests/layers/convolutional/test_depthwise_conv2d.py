import numpy as np
import pytest
import torch

from kshim.layers import DepthwiseConv2D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(kernel_size=3), (2, 6, 5, 3), (2, 4, 3, 3), 2),
    "same-stride-asymmetric-multiplier": (
        dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2),
        (2, 6, 7, 3),
        (2, 3, 4, 6),
        2,
    ),
    "dilated-same-cf": (
        dict(
            kernel_size=(2, 3),
            dilation_rate=(2, 1),
            padding="same",
            data_format="channels_first",
            depth_multiplier=3,
        ),
        (2, 2, 5, 5),
        (2, 6, 5, 5),
        2,
    ),
    "stride-no-bias": (
        dict(kernel_size=2, strides=(1, 2), use_bias=False, activation="sigmoid"),
        (1, 4, 6, 4),
        (1, 3, 3, 4),
        1,
    ),
}
GATED = ("same-stride-asymmetric-multiplier", "dilated-same-cf")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(DepthwiseConv2D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, DepthwiseConv2D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_kernel_layout_and_channel_order():
    """The weight is Keras' ``kernel`` ``(kh, kw, channels, depth_multiplier)``, and
    output channel ``c * depth_multiplier + m`` uses ``kernel[..., c, m]``."""
    layer = DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    layer.build((None, 3, 3, 2))
    assert [w.name for w in layer.weights] == ["kernel"]
    assert list(layer.state_dict()) == ["kernel"]
    layer.set_weights([np.array([[[[1.0, 2.0], [3.0, 4.0]]]], dtype="float32")])
    y = layer(torch.tensor([[[[10.0, 100.0]]]]))
    assert y.flatten().tolist() == [10.0, 20.0, 300.0, 400.0]


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    same_error(keras, DepthwiseConv2D, dict(kernel_size=3), x[..., 0])
    layer = DepthwiseConv2D(3, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :1])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(depth_multiplier=-1), "depth_multiplier"),
        (dict(depth_multiplier=1.5), "depth_multiplier"),
        (dict(padding="causal"), "padding"),
        (dict(dilation_rate=(1, 0)), "dilation_rate"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        DepthwiseConv2D(**{"kernel_size": 3, **kwargs})
