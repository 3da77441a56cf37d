"""``GlobalAveragePooling1D``: the layer gate and Keras parity over a small table."""

import numpy as np
import pytest
import torch

from kshim.layers import GlobalAveragePooling1D

CASES = [
    ({}, (2, 5, 3), (2, 3)),
    ({"data_format": "channels_first"}, (2, 3, 5), (2, 3)),
    ({"keepdims": True}, (2, 5, 3), (2, 1, 3)),
    ({"keepdims": True, "data_format": "channels_first"}, (2, 3, 5), (2, 3, 1)),
]
IDS = ["last", "first", "last-keepdims", "first-keepdims"]


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_gate(gate, kwargs, shape, expected):
    gate(GlobalAveragePooling1D, kwargs, shape, expected)


@pytest.mark.parametrize(("kwargs", "shape", "expected"), CASES, ids=IDS)
def test_keras_parity(keras, parity, rng, kwargs, shape, expected):
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, GlobalAveragePooling1D, kwargs, x)
    assert out.shape == expected


def test_wrong_rank_raises_keras_input_spec_error(keras, same_error):
    same_error(keras, GlobalAveragePooling1D, {}, np.zeros((2, 3), "float32"))


def test_invalid_data_format():
    with pytest.raises(ValueError, match="`data_format`"):
        GlobalAveragePooling1D(data_format="nhwc")


def test_integer_inputs_are_averaged_in_float32():
    x = torch.arange(2 * 5 * 3).reshape(2, 5, 3)
    y = GlobalAveragePooling1D()(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, x.float().mean(dim=(1,)))


MASK_CASES = [{}, {"data_format": "channels_first"}, {"keepdims": True}]


def _mask():
    # The second sample is fully masked: 0 / 0 gives NaN, as in Keras.
    return torch.tensor([[True, False, True, True, False], [False] * 5])


@pytest.mark.parametrize("kwargs", MASK_CASES, ids=["last", "first", "keepdims"])
def test_mask_keras_parity(keras, parity, rng, kwargs):
    shape = (2, 3, 5) if kwargs.get("data_format") == "channels_first" else (2, 5, 3)
    x = rng.standard_normal(shape).astype("float32")
    out = parity(keras, GlobalAveragePooling1D, kwargs, x, call_kwargs={"mask": _mask()})
    assert np.isnan(out[1]).all() and not np.isnan(out[0]).any()


def test_mask_gate_and_meta(gate):
    mask = torch.tensor([[True, False, True, True, False], [True, True, False, False, True]])
    # The harness moves only the inputs to ``meta``: that check is done here with the mask.
    gate(
        GlobalAveragePooling1D,
        {},
        (2, 5, 3),
        (2, 3),
        call_kwargs={"mask": mask},
        run_meta_check=False,
    )
    y = GlobalAveragePooling1D()(torch.ones(2, 5, 3, device="meta"), mask=mask.to("meta"))
    assert y.device.type == "meta" and tuple(y.shape) == (2, 3)


def test_masked_steps_are_left_out_even_when_not_finite():
    x = torch.tensor([[[1.0], [float("nan")], [3.0]]])
    y = GlobalAveragePooling1D()(x, mask=torch.tensor([[1, 0, 1]]))
    torch.testing.assert_close(y, torch.tensor([[2.0]]))


def test_supports_masking_and_consumes_the_mask():
    layer = GlobalAveragePooling1D()
    assert layer.supports_masking
    assert layer.compute_mask(torch.ones(2, 5, 3), _mask()) is None
