import numpy as np
import pytest
import torch

from kshim.layers import ActivityRegularization


@pytest.mark.parametrize("kwargs", [{"l1": 0.1, "l2": 0.2}, {}])
def test_gate(gate, kwargs):
    gate(
        ActivityRegularization,
        kwargs,
        (2, 5),
        deterministic_in_training=True,
        expected_num_losses=1,
    )


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs, shape",
    [({"l1": 0.01, "l2": 0.02}, (4, 5)), ({"l1": 0.5}, (3, 2, 2)), ({"l2": 1.0}, (1, 3))],
)
def test_penalty_matches_keras(keras, same_config, rng, kwargs, shape):
    ours, theirs = same_config(keras, ActivityRegularization, kwargs)
    x = rng.standard_normal(shape).astype("float32")
    y = ours(torch.from_numpy(x))
    np.testing.assert_array_equal(y, x)  # identity
    theirs(x)
    (got,) = ours.losses
    (want,) = theirs.losses
    np.testing.assert_allclose(float(got), float(keras.ops.convert_to_numpy(want)), rtol=1e-6)
    # Keras 3 divides by the batch size.
    l1, l2 = kwargs.get("l1", 0.0), kwargs.get("l2", 0.0)
    manual = (l1 * np.abs(x).sum() + l2 * (x**2).sum()) / shape[0]
    np.testing.assert_allclose(float(got), manual, rtol=1e-5)


def test_losses_are_replaced_each_call_and_differentiable():
    layer = ActivityRegularization(l2=1.0)
    x = torch.ones(2, 3, requires_grad=True)
    layer(x)
    layer(x)
    (loss,) = layer.losses  # the latest call's only
    loss.backward()
    torch.testing.assert_close(x.grad, torch.ones(2, 3))  # d/dx sum(x^2) / 2 = x


def test_scalar_and_empty_inputs():
    layer = ActivityRegularization(l1=1.0)
    layer(torch.tensor(-3.0))
    assert float(layer.losses[0]) == 3.0  # not divided: no batch axis
    layer(torch.zeros(0, 4))
    assert float(layer.losses[0]) == 0.0  # an empty batch: no NaN


@pytest.mark.parametrize("kwargs, name", [({"l1": -1.0}, "l1"), ({"l2": "big"}, "l2")])
def test_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ActivityRegularization(**kwargs)
