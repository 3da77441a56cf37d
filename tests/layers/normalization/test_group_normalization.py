import numpy as np
import pytest
import torch

from kshim.layers import GroupNormalization

GATE = [
    ({"groups": 2}, (2, 3, 4), 2),
    ({"groups": 2, "axis": 1}, (2, 4, 3, 3), 2),  # channels_first
    ({"groups": -1, "center": False, "scale": False}, (2, 3, 4), 0),  # instance norm
]


@pytest.mark.parametrize("kwargs, shape, trainable", GATE)
def test_gate(gate, kwargs, shape, trainable):
    gate(GroupNormalization, kwargs, shape, trainable, 0)


PARITY = [
    ({"groups": 2}, (3, 4)),
    ({"groups": 2}, (2, 3, 4)),
    ({"groups": 1, "epsilon": 1e-5}, (2, 3, 4)),  # layer norm over all non-batch axes
    ({"groups": -1}, (2, 3, 4)),  # instance norm
    ({"groups": 2, "axis": 1}, (2, 4, 3, 3)),  # channels_first
    ({"groups": 4}, (2, 3, 3, 8)),  # channels_last
    ({"groups": 3, "axis": 2}, (2, 4, 6, 3)),
    ({"groups": 2, "axis": -2, "center": False}, (2, 4, 6, 3)),
]


@pytest.mark.parity
@pytest.mark.parametrize("kwargs, shape", PARITY)
def test_keras_parity(keras, parity, rng, kwargs, shape):
    x = (rng.standard_normal(shape) * 2 + 0.5).astype("float32")
    layer = parity(keras, GroupNormalization, kwargs, x, rng)
    assert layer.groups > 0  # -1 becomes the number of channels once built, as Keras


@pytest.mark.parity
@pytest.mark.parametrize(
    "kwargs, shape, message",
    [
        ({"groups": 8}, (2, 4), "cannot be more than the number of channels"),
        ({"groups": 3}, (2, 4), "must be a multiple"),
    ],
)
def test_bad_groups_for_input(keras, kwargs, shape, message):
    with pytest.raises(ValueError, match=message) as ours:
        GroupNormalization(**kwargs)(torch.zeros(shape))
    with pytest.raises(ValueError) as theirs:
        keras.layers.GroupNormalization(**kwargs)(np.zeros(shape, "float32"))
    assert str(ours.value) == str(theirs.value)


def test_bad_inputs():
    layer = GroupNormalization(groups=2, name="under_test")
    layer(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(torch.zeros(2, 3, 6))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=4"):
        layer(torch.zeros(2, 3, 3, 4))
    with pytest.raises(ValueError, match="batch axis"):
        GroupNormalization(groups=2, axis=0)(torch.zeros(4, 4))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"groups": 0}, "groups"),
        ({"groups": -2}, "groups"),
        ({"groups": 2.0}, "groups"),
        ({"groups": 2, "epsilon": -1e-3}, "epsilon"),
        ({"groups": 2, "axis": "last"}, "axis"),
    ],
)
def test_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        GroupNormalization(**kwargs)
