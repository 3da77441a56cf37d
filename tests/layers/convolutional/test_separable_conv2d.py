import pytest

from kshim.layers import SeparableConv2D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(filters=4, kernel_size=3), (2, 6, 5, 3), (2, 4, 3, 4), 3),
    "same-stride-asymmetric-cf": (
        dict(
            filters=4,
            kernel_size=3,
            strides=2,
            padding="same",
            depth_multiplier=2,
            data_format="channels_first",
        ),
        (2, 3, 6, 7),
        (2, 4, 3, 4),
        3,
    ),
    "dilated-same-even": (
        dict(filters=2, kernel_size=2, dilation_rate=(1, 2), padding="same", activation="elu"),
        (1, 5, 5, 2),
        (1, 5, 5, 2),
        3,
    ),
    "stride-no-bias": (
        dict(filters=3, kernel_size=(3, 1), strides=(2, 1), use_bias=False),
        (1, 7, 4, 2),
        (1, 3, 4, 3),
        2,
    ),
}
GATED = ("same-stride-asymmetric-cf", "dilated-same-even")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(SeparableConv2D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, SeparableConv2D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_weight_order_and_layouts():
    layer = SeparableConv2D(5, 3, depth_multiplier=2)
    layer.build((None, 8, 8, 3))
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ("depthwise_kernel", (3, 3, 3, 2)),
        ("pointwise_kernel", (1, 1, 6, 5)),
        ("bias", (5,)),
    ]
    assert list(layer.state_dict()) == ["depthwise_kernel", "pointwise_kernel", "bias"]


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    same_error(keras, SeparableConv2D, dict(filters=2, kernel_size=3), x[..., 0])
    layer = SeparableConv2D(2, 3, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :1])


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=-3), "filters"),
        (dict(depth_multiplier=None), "depth_multiplier"),
        (dict(padding="full"), "padding"),
        (dict(kernel_size="3"), "kernel_size"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        SeparableConv2D(**{"filters": 2, "kernel_size": 3, **kwargs})
