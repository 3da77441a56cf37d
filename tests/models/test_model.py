"""Subclassed models, summary, predict and TorchModuleWrapper."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import kshim
from kshim.layers import Dense


class MLP(kshim.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = Dense(16, activation="relu")
        self.d2 = Dense(3)

    def call(self, x):
        return self.d2(self.d1(x))


def test_subclassed_model():
    model = MLP(name="mlp")
    assert model(torch.ones(2, 5)).shape == (2, 3)
    assert model.layers == [model.d1, model.d2]
    assert list(model.state_dict()) == ["d1.kernel", "d1.bias", "d2.kernel", "d2.bias"]
    assert model.name == "mlp"
    with pytest.raises(TypeError, match="takes no `inputs`/`outputs`"):
        MLP(inputs=1, outputs=2)


def test_summary_functional_matches_keras_layout(capsys):
    kshim.backend.clear_session()
    x = kshim.Input((3,), name="x")
    h = Dense(4)(x)
    model = kshim.Model(x, [Dense(2)(h), Dense(1, trainable=False)(h)], name="net")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "net"'
    assert (
        "Layer (type)" in text
        and "Output Shape" in text
        and "Param #" in text
        and "Connected to" in text
    )
    assert "x (InputLayer)" in text and "dense (Dense)" in text
    assert "(None, 4)" in text and "x[0][0]" in text
    assert " Total params: 31 (124.00 B)" in lines
    assert " Trainable params: 26 (104.00 B)" in lines
    assert " Non-trainable params: 5 (20.00 B)" in lines


def test_summary_sequential_and_subclassed():
    lines = []
    kshim.Sequential([kshim.Input((3,)), Dense(4)]).summary(print_fn=lines.append)
    assert any("(None, 4)" in line and "16" in line for line in lines)
    lines = []
    model = MLP()
    model.summary(print_fn=lines.append)  # unbuilt: shapes unknown
    assert any("0 (unbuilt)" in line for line in lines)


def test_predict_arrays_tensors_and_loaders(capsys):
    model = kshim.Sequential([kshim.Input((5,)), Dense(3)])
    x = np.random.default_rng(0).standard_normal((70, 5))
    out = model.predict(x, batch_size=32, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 3)
    expected = model(torch.from_numpy(x).float()).detach().numpy()
    np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(
        model.predict(torch.from_numpy(x).float(), verbose=0), expected, atol=1e-6
    )
    loader = DataLoader(TensorDataset(torch.from_numpy(x).float(), torch.zeros(70)), batch_size=16)
    np.testing.assert_allclose(model.predict(loader, verbose=0), expected, atol=1e-6)
    assert capsys.readouterr().out == ""
    model.predict(x, verbose=1)
    assert "3/3" in capsys.readouterr().out
    assert model.predict(x, steps=1, verbose=0).shape == (32, 3)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(x, batch_size=0)
    with pytest.raises(TypeError, match="Model.predict"):
        model.predict(5)


def test_predict_multi_output_dict():
    a = kshim.Input((2,), name="a")
    model = kshim.Model({"a": a}, {"y": Dense(1)(a), "z": Dense(2)(a)})
    out = model.predict({"a": np.ones((5, 2), "float32")}, batch_size=2, verbose=0)
    assert out["y"].shape == (5, 1) and out["z"].shape == (5, 2)


def test_predict_runs_in_inference_mode():
    model = kshim.Sequential([kshim.Input((50,)), kshim.layers.Dropout(0.9)])
    model.train()
    out = model.predict(np.ones((4, 50), "float32"), verbose=0)
    np.testing.assert_array_equal(out, np.ones((4, 50)))


def test_torch_module_wrapper_in_all_three_apis():
    lin = nn.Linear(3, 4)
    wrapped = kshim.layers.TorchModuleWrapper(lin)
    x = kshim.Input((3,))
    functional = kshim.Model(x, Dense(2)(wrapped(x)))
    t = torch.randn(2, 3)
    assert functional(t).shape == (2, 2)
    assert "torch_module_wrapper.module.weight" in functional.state_dict()

    class Sub(kshim.Model):
        def __init__(self):
            super().__init__()
            self.body = kshim.layers.TorchModuleWrapper(nn.Sequential(nn.Linear(3, 3), nn.ReLU()))

        def call(self, x):
            return self.body(x)

    sub = Sub()
    assert sub(t).shape == (2, 3)
    assert len(sub.trainable_weights) == 2
    sub.trainable = False
    assert all(not p.requires_grad for p in sub.parameters())
    with pytest.raises(TypeError, match="expects a torch.nn.Module"):
        kshim.layers.TorchModuleWrapper(3)
    with pytest.raises(TypeError, match="never pickles"):
        wrapped.get_config()


def test_subclassed_model_trains_in_torch_loop():
    torch.manual_seed(0)
    model = MLP()
    x = torch.randn(64, 5)
    y = torch.randint(0, 3, (64,))
    model(x)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5


def test_build_subclassed_model_from_shape():
    model = MLP()
    model.build((None, 5))
    assert model.built and len(model.weights) == 4
    assert model.get_build_config() == {"input_shape": (None, 5)}
    assert model(torch.ones(2, 5)).shape == (2, 3)
    with pytest.raises(ValueError, match="needs an `input_shape`"):
        MLP().build()


def test_build_config_recorded_when_built_by_calling():
    model = MLP()
    model(torch.ones(2, 5))
    assert model.get_build_config() == {"input_shape": (2, 5)}
    dense = Dense(2)
    dense(torch.ones(3, 4))
    assert dense.get_build_config() == {"input_shape": (3, 4)}
