"""Subclassed models: registered classes and custom_objects, Keras 3 <-> kshim paths for
attributes, containers and plain torch modules."""

import numpy as np
import pytest
import torch
from saving_zoo import keras_predict, kshim_predict, randomize

import kshim
from kshim.saving import register_keras_serializable


class Block(kshim.layers.Layer):
    def __init__(self, width=3, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.inner = [kshim.layers.Dense(width), kshim.layers.Dense(width)]
        self.heads = {"a": kshim.layers.Dense(width), "b": [kshim.layers.Dense(width)]}

    def call(self, x):
        for layer in self.inner:
            x = layer(x)
        return self.heads["b"][0](self.heads["a"](x))

    def get_config(self):
        return {**super().get_config(), "width": self.width}


@register_keras_serializable("kshim_tests")
class Net(kshim.Model):
    def __init__(self, width=3, **kwargs):
        super().__init__(**kwargs)
        self.width = width
        self.dense_in = kshim.layers.Dense(width)
        self.block = Block(width)
        self.output_layer = kshim.layers.Dense(2)
        self.lin = torch.nn.Linear(2, 2)

    def build(self, input_shape):
        h = self.dense_in.compute_output_shape(input_shape)
        self.dense_in.build(input_shape)
        self.block(torch.zeros((1, *h[1:])))
        self.output_layer.build(h)

    def call(self, x):
        return self.lin(self.output_layer(self.block(self.dense_in(x))))

    def get_config(self):
        return {**super().get_config(), "width": self.width}


X = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")


def _net():
    net = Net()
    net.build((None, 4))
    randomize(net)
    return net


def test_registered_subclass_round_trip(tmp_path):
    net = _net()
    net.save(tmp_path / "net.keras")
    loaded = kshim.saving.load_model(tmp_path / "net.keras")
    assert type(loaded) is Net
    np.testing.assert_array_equal(kshim_predict(loaded, X), kshim_predict(net, X))
    assert list(loaded.state_dict()) == list(net.state_dict())


def test_unregistered_subclass_with_custom_objects(tmp_path):
    class Small(kshim.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = kshim.layers.Dense(2)

        def build(self, input_shape):
            self.d.build(input_shape)

        def call(self, x):
            return self.d(x)

    model = Small()
    model.build((None, 4))
    randomize(model)
    model.save(tmp_path / "small.keras")
    with pytest.raises(ValueError, match="small.keras"):
        kshim.saving.load_model(tmp_path / "small.keras")
    loaded = kshim.saving.load_model(tmp_path / "small.keras", custom_objects={"Small": Small})
    np.testing.assert_array_equal(kshim_predict(loaded, X), kshim_predict(model, X))


def test_subclass_built_by_calling_round_trip(tmp_path):
    class Called(kshim.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = kshim.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Called()
    model(torch.from_numpy(X))
    model.save(tmp_path / "called.keras")
    loaded = kshim.saving.load_model(tmp_path / "called.keras", custom_objects={"Called": Called})
    np.testing.assert_array_equal(kshim_predict(loaded, X), kshim_predict(model, X))


def _keras_net(keras):
    class KBlock(keras.layers.Layer):
        def __init__(self, width=3, **kwargs):
            super().__init__(**kwargs)
            self.width = width
            self.inner = [keras.layers.Dense(width), keras.layers.Dense(width)]
            self.heads = {"a": keras.layers.Dense(width), "b": [keras.layers.Dense(width)]}

        def call(self, x):
            for layer in self.inner:
                x = layer(x)
            return self.heads["b"][0](self.heads["a"](x))

    @keras.saving.register_keras_serializable("kshim_tests", name="Net")
    class KNet(keras.Model):
        def __init__(self, width=3, **kwargs):
            super().__init__(**kwargs)
            self.width = width
            self.dense_in = keras.layers.Dense(width)
            self.block = KBlock(width)
            self.output_layer = keras.layers.Dense(2)
            self.lin = torch.nn.Linear(2, 2)

        def call(self, x):
            return self.lin(self.output_layer(self.block(self.dense_in(x))))

        def get_config(self):
            return {**super().get_config(), "width": self.width}

    net = KNet()
    net(X)
    return net


def test_keras_subclass_weights_into_kshim(keras, tmp_path):
    knet = _keras_net(keras)
    randomize(knet)
    knet.save_weights(tmp_path / "net.weights.h5")
    net = Net()
    net.build((None, 4))
    net.load_weights(tmp_path / "net.weights.h5")
    np.testing.assert_allclose(kshim_predict(net, X), keras_predict(keras, knet, X), atol=1e-5)


def test_kshim_subclass_weights_into_keras(keras, tmp_path):
    net = _net()
    net.save_weights(tmp_path / "net.weights.h5")
    knet = _keras_net(keras)
    knet.load_weights(tmp_path / "net.weights.h5")
    np.testing.assert_allclose(keras_predict(keras, knet, X), kshim_predict(net, X), atol=1e-5)


def test_keras_subclass_archive_into_kshim(keras, tmp_path):
    knet = _keras_net(keras)
    randomize(knet)
    knet.save(tmp_path / "net.keras")
    net = kshim.saving.load_model(tmp_path / "net.keras")
    assert type(net) is Net
    np.testing.assert_allclose(kshim_predict(net, X), keras_predict(keras, knet, X), atol=1e-5)
