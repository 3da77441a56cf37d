import numpy as np
import pytest
import torch

from kshim.layers import Conv2D

# name: (init kwargs, input shape, expected output shape, number of weights)
CASES = {
    "valid": (dict(filters=4, kernel_size=3), (2, 7, 6, 3), (2, 5, 4, 4), 2),
    "same-stride2-asymmetric": (
        dict(filters=4, kernel_size=3, strides=2, padding="same"),
        (2, 8, 7, 3),
        (2, 4, 4, 4),
        2,
    ),
    "same-stride-cf": (
        dict(
            filters=4,
            kernel_size=(3, 2),
            strides=(2, 3),
            padding="same",
            data_format="channels_first",
        ),
        (2, 3, 7, 8),
        (2, 4, 4, 3),
        2,
    ),
    "dilated-same-even": (
        dict(filters=4, kernel_size=2, dilation_rate=(1, 2), padding="same", activation="tanh"),
        (2, 6, 6, 2),
        (2, 6, 6, 4),
        2,
    ),
    "groups-cf": (
        dict(filters=4, kernel_size=3, groups=2, use_bias=False, data_format="channels_first"),
        (2, 4, 6, 6),
        (2, 4, 4, 4),
        1,
    ),
    "valid-stride": (
        dict(filters=3, kernel_size=(1, 3), strides=(2, 1)),
        (1, 5, 5, 2),
        (1, 3, 3, 3),
        2,
    ),
}
GATED = ("same-stride2-asymmetric", "dilated-same-even", "groups-cf")


@pytest.mark.parametrize("case", GATED)
def test_gate(gate, case):
    gate(Conv2D, *CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_keras_parity(keras, parity, rng, case):
    kwargs, shape, out, _ = CASES[case]
    got = parity(keras, Conv2D, kwargs, rng.standard_normal(shape).astype("float32"))
    assert got.shape == out


def test_same_padding_follows_the_input_size(keras, rng):
    """With strides > 1 Keras' "same" padding depends on each input's size: a layer built
    on one size computes the right padding on others."""
    ours = Conv2D(3, 3, strides=2, padding="same")
    theirs = keras.layers.Conv2D(3, 3, strides=2, padding="same")
    for shape in ((1, 6, 6, 2), (1, 7, 8, 2), (2, 5, 9, 2)):
        x = rng.standard_normal(shape).astype("float32")
        theirs(x)
        ours(torch.from_numpy(x))
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(
            ours(torch.from_numpy(x)).detach().numpy(),
            keras.ops.convert_to_numpy(theirs(x)),
            atol=1e-5,
        )


def _regularized_pair(keras, rng, **extra):
    kwargs = dict(
        filters=2,
        kernel_size=2,
        kernel_initializer="he_normal",
        bias_initializer="ones",
        kernel_regularizer="l2",
        bias_regularizer={"class_name": "L1", "config": {"l1": 0.5}},
        kernel_constraint="max_norm",
        bias_constraint="non_neg",
        name="under_test",
        **extra,
    )
    ours, theirs = Conv2D(**kwargs), keras.layers.Conv2D(**kwargs)
    assert ours.get_config() == theirs.get_config()
    x = rng.standard_normal((2, 4, 4, 3)).astype("float32")
    theirs(x)
    ours(torch.from_numpy(x))
    ours.set_weights(theirs.get_weights())
    theirs(x)
    ours(torch.from_numpy(x))
    got = sorted(float(v.detach()) for v in ours.losses)
    want = sorted(float(keras.ops.convert_to_numpy(v)) for v in theirs.losses)
    return ours, got, want


def test_weights_regularizers_and_constraints_as_keras(keras, rng):
    ours, got, want = _regularized_pair(keras, rng)
    assert list(ours.state_dict()) == ["kernel", "bias"]
    assert ours.kernel.constraint is not None and ours.bias.constraint is not None
    assert len(got) == 2
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_activity_regularizer_as_keras(keras, rng):
    _, got, want = _regularized_pair(keras, rng, activity_regularizer="l1")
    assert len(got) == 3
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_integer_input_is_promoted():
    layer = Conv2D(2, 1, kernel_initializer="ones")
    y = layer(torch.ones(1, 2, 2, 3, dtype=torch.int64))
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, torch.full((1, 2, 2, 2), 3.0))


def test_bad_input(keras, same_error, rng):
    x = rng.standard_normal((2, 5, 5, 3)).astype("float32")
    kwargs = dict(filters=4, kernel_size=3)
    same_error(keras, Conv2D, kwargs, x[..., 0])  # rank 3
    layer = Conv2D(**kwargs, name="under_test")
    layer(x)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(x[..., :2])
    cf = Conv2D(**kwargs, data_format="channels_first")
    cf(np.moveaxis(x, -1, 1))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        cf(x)


def test_output_would_be_empty():
    with pytest.raises(ValueError, match="Computed output size would be zero or negative"):
        Conv2D(2, 5)(torch.ones(1, 3, 3, 1))


@pytest.mark.parametrize(
    "kwargs,word",
    [
        (dict(filters=-1), "filters"),
        (dict(padding="causal"), "padding"),
        (dict(padding=1), "padding"),
        (dict(kernel_size=(3, 3, 3)), "kernel_size"),
        (dict(kernel_size=(3, 1.5)), "kernel_size"),
        (dict(strides=0), "strides"),
        (dict(dilation_rate=(2, 2), strides=(1, 2)), "dilation_rate"),
        (dict(groups=3), "groups"),
        (dict(lora_rank=2), "lora_rank"),
    ],
)
def test_invalid_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Conv2D(**{"filters": 4, "kernel_size": 3, **kwargs})
