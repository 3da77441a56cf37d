"""Lambda: harness, Keras parity, config format, safe_mode and masks."""

import base64
import marshal

import numpy as np
import pytest
import torch

import kshim
from kshim.layers import Lambda
from kshim.testing import assert_keras_parity


@kshim.saving.register_keras_serializable(package="kshim_tests")
def scaled_sum(x, scale=1.0):
    return torch.sum(x, dim=-1, keepdim=True) * scale


@kshim.saving.register_keras_serializable(package="kshim_tests")
def doubled_shape(input_shape):
    return (*input_shape[:-1], 2 * input_shape[-1])


@pytest.mark.parametrize(
    "kwargs, out_shape",
    [
        ({"function": kshim.activations.relu}, (2, 3, 4)),
        ({"function": scaled_sum, "arguments": {"scale": 2.0}}, (2, 3, 1)),
        ({"function": scaled_sum, "output_shape": (3, 1)}, (2, 3, 1)),
    ],
)
def test_layer(layer_test, kwargs, out_shape):
    layer_test(
        Lambda,
        kwargs,
        input_shape=(2, 3, 4),
        expected_output_shape=out_shape,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
        run_training_check=False,
    )


def test_keras_parity_and_config(keras):
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    ours = Lambda(kshim.activations.relu, name="lam")
    theirs = keras.layers.Lambda(keras.activations.relu, name="lam")
    assert_keras_parity(ours, theirs, x)
    assert ours.get_config() == theirs.get_config()


def test_python_lambda_config_is_keras_format(keras):
    fn = lambda x: x * 2.0  # noqa: E731
    ours = Lambda(fn, output_shape=(3,), name="lam")
    theirs = keras.layers.Lambda(fn, output_shape=(3,), name="lam")
    assert ours.get_config() == theirs.get_config()
    assert ours.get_config()["function"]["class_name"] == "__lambda__"


def test_from_config_refuses_code_unless_unsafe():
    offset = 3.0
    layer = Lambda(lambda x: x + offset, output_shape=lambda s: s, name="lam")
    config = layer.get_config()
    with pytest.raises(ValueError, match="safe_mode"):
        Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode"):
        Lambda.from_config(config, safe_mode=True)
    # Loading through the generic deserializer (as model loading does) is refused too.
    with pytest.raises(ValueError, match="safe_mode"):
        kshim.saving.deserialize_keras_object(
            {"module": "keras.layers", "class_name": "Lambda", "config": config}
        )
    revived = Lambda.from_config(config, safe_mode=False)
    x = torch.tensor([[1.0, 2.0]])
    torch.testing.assert_close(revived(x), x + 3.0)  # the closure came back too
    assert revived.compute_output_shape((None, 2)) == (None, 2)
    # The same code objects (marshal's bytes may differ in reference flags).
    again = revived.get_config()
    for key in ("function", "output_shape"):
        assert _code(again[key]) == _code(config[key])
        assert again[key]["config"]["closure"] == config[key]["config"]["closure"]
    assert {k: v for k, v in again.items() if k not in ("function", "output_shape")} == {
        k: v for k, v in config.items() if k not in ("function", "output_shape")
    }


def _code(fn_config):
    return marshal.loads(base64.decodebytes(fn_config["config"]["code"].encode("ascii")))


def test_keras_config_of_lambda_loads_with_safe_mode_false(keras):
    config = keras.layers.Lambda(lambda x: x - 1.0, name="lam").get_config()
    with pytest.raises(ValueError, match="safe_mode"):
        Lambda.from_config(config)
    layer = Lambda.from_config(config, safe_mode=False)
    torch.testing.assert_close(layer(torch.tensor([1.0])), torch.tensor([0.0]))


def test_named_function_round_trip():
    layer = Lambda(scaled_sum, output_shape=doubled_shape, arguments={"scale": 3.0})
    revived = Lambda.from_config(layer.get_config())
    assert revived.function is scaled_sum
    assert revived.compute_output_shape((None, 4)) == (None, 8)
    torch.testing.assert_close(revived(torch.ones(1, 2)), torch.tensor([[6.0]]))


def test_mask_training_and_output_shape_structures():
    seen = {}

    def fn(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    layer = Lambda(fn, mask=lambda inputs, mask: inputs[..., 0] > 0)
    x = torch.tensor([[[1.0], [-1.0]]])
    m = torch.tensor([[True, False]])
    layer(x, mask=m, training=True)
    assert seen["mask"] is m and seen["training"] is True
    assert layer.supports_masking
    assert layer.compute_mask(x, m).tolist() == [[True, False]]
    fixed = Lambda(lambda x: x, mask=m)
    assert fixed.compute_mask(x) is m
    pair = Lambda(lambda x: [x, x], output_shape=[(2, 1), (2, 1)])
    assert pair.compute_output_shape((5, 2, 1)) == [(5, 2, 1), (5, 2, 1)]


def test_invalid_arguments():
    with pytest.raises(ValueError, match="`function`"):
        Lambda(3)
    with pytest.raises(ValueError, match="`arguments`"):
        Lambda(scaled_sum, arguments=[1])
