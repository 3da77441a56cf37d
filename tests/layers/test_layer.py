"""The core ``Layer`` contract: Keras' side and torch's side."""

import copy
import pickle
import threading
import time

import numpy as np
import pytest
import torch
from torch import nn

import kshim
import kshim as keras
from kshim.layers import Dense, InputSpec, Layer


class SimpleDense(keras.layers.Layer):
    """Keras' documentation example, with only the import and tf.matmul changed."""

    def __init__(self, units=32):
        super(SimpleDense, self).__init__()  # noqa: UP008 - Keras' docs spell it this way
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return torch.matmul(inputs, self.w) + self.b


class Block(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = Dense(4)
        self.drop = kshim.layers.Dropout(0.5)

    def call(self, x, training=None):
        return self.drop(self.dense(x), training=training)


# ------------------------------------------------------------------ the seed example


def test_seed_example_builds_once_and_calls():
    layer = SimpleDense(4)
    assert not layer.built
    y = layer(torch.ones((2, 2)))
    assert layer.built
    assert y.shape == (2, 4)
    assert isinstance(layer, nn.Module)
    assert [type(p) for p in layer.parameters()] == [keras.Variable, keras.Variable]
    assert all(isinstance(p, nn.Parameter) for p in layer.parameters())
    assert list(layer.state_dict()) == ["w", "b"]
    assert len(layer.weights) == 2 and len(layer.trainable_weights) == 2
    w_before = layer.w
    layer(torch.ones((3, 2)))
    assert layer.w is w_before  # built once
    expected = torch.ones(2, 2) @ layer.w + layer.b
    torch.testing.assert_close(y, expected)


def test_seed_example_trains_with_torch_optimizer():
    torch.manual_seed(0)
    layer = SimpleDense(1)
    x = torch.randn(64, 3)
    target = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    layer(x)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    first = None
    for _ in range(200):
        loss = ((layer(x) - target) ** 2).mean()
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < first * 1e-3


# ------------------------------------------------------------------ constructor


def test_constructor_keywords():
    layer = Dense(3, name="head", trainable=False, dtype="float64", input_shape=(5,), batch_size=8)
    assert layer.name == "head" and layer.trainable is False and layer.dtype == "float64"
    assert layer.get_config()["batch_input_shape"] == (8, 5)
    Dense(3, input_dim=5)
    with pytest.raises(
        TypeError, match=r"Unrecognized keyword arguments passed to Dense: \{'foo': 1\}"
    ):
        Dense(3, foo=1)
    with pytest.raises(ValueError, match="Expected `trainable` to be a boolean"):
        Dense(3, trainable="yes")
    with pytest.raises(TypeError, match="Argument `name` of Dense must be a string"):
        Dense(3, name=5)


def test_forgetting_super_init_is_reported():
    class Bad(Layer):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="forgot to call `super\\(\\).__init__\\(\\)`"):
        Bad()


def test_attributes_before_super_init():
    class Early(Layer):
        def __init__(self):
            self.inner = Dense(2)
            super().__init__()

        def call(self, x):
            return self.inner(x)

    layer = Early()
    layer(torch.ones(1, 3))
    assert list(layer.state_dict()) == ["inner.kernel", "inner.bias"]


def test_names_and_clear_session():
    keras.backend.clear_session()
    assert [Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert SimpleDense().name == "simple_dense"
    keras.backend.clear_session()
    assert Dense(1).name == "dense"


def test_layers_start_in_inference_mode_and_follow_train_eval():
    layer = Block()
    assert layer.training is False and layer.drop.training is False
    x = torch.ones(8, 16)
    torch.testing.assert_close(layer(x), layer.dense(x))
    layer.train()
    out = layer(x)
    assert (out == 0).any()  # dropout active in training mode
    layer.eval()
    torch.testing.assert_close(layer(x), layer.dense(x))


def test_explicit_training_wins_and_reaches_nested_layers():
    class Outer(Layer):
        def __init__(self):
            super().__init__()
            self.block = Block()  # its call does not forward `training` to `drop` itself

        def call(self, x):
            return self.block.drop(self.block.dense(x))

    layer = Outer()
    x = torch.ones(64, 16)
    assert not (layer(x) == 0).any()
    assert (layer(x, training=True) == 0).any()  # reaches the nested Dropout
    layer.train()
    assert not (layer(x, training=False) == 0).any()  # explicit False beats .train()
    # A nested layer's own explicit argument beats the inherited one.
    inner = layer.block
    assert not (inner.drop(x, training=False) == 0).any()


# ------------------------------------------------------------------ build


def test_build_directly_with_shape():
    layer = SimpleDense(3)
    layer.build((None, 5))
    assert layer.built and tuple(layer.w.shape) == (5, 3)
    layer2 = Dense(2)
    layer2.build((4, 7))
    assert layer2.built and tuple(layer2.kernel.shape) == (7, 2)


class FailingBuild(Layer):
    def __init__(self):
        super().__init__()
        self.fail = True

    def build(self, input_shape):
        self.a = self.add_weight(shape=(input_shape[-1], 2), name="a")
        self.sub = Dense(3)
        self.sub.build(input_shape)
        self.t = self.add_weight(shape=(2,), trainable=False, name="t")
        if self.fail:
            raise RuntimeError("boom")

    def call(self, x):
        return x @ self.a


def test_failed_build_leaves_layer_unbuilt_without_weights():
    layer = FailingBuild()
    with pytest.raises(RuntimeError, match="boom"):
        layer(torch.ones(2, 4))
    assert not layer.built
    assert layer.weights == []
    assert list(layer.state_dict()) == []
    assert list(layer.named_children()) == []
    assert not hasattr(layer, "a") and not hasattr(layer, "sub")
    layer.fail = False
    layer(torch.ones(2, 4))
    assert layer.built
    assert [w.name for w in layer.weights] == ["a", "t", "kernel", "bias"]


def test_failed_build_rolls_back_existing_sublayer():
    class Parent(Layer):
        def __init__(self):
            super().__init__()
            self.child = Dense(3)

        def build(self, input_shape):
            self.child.build(input_shape)
            raise ValueError("parent build failed")

        def call(self, x):
            return self.child(x)

    p = Parent()
    with pytest.raises(ValueError):
        p(torch.ones(1, 2))
    assert not p.built and not p.child.built and p.child.weights == []


def test_eight_threads_first_call_build_once():
    builds = []

    class Slow(Layer):
        def build(self, input_shape):
            builds.append(threading.get_ident())
            time.sleep(0.05)
            self.w = self.add_weight(shape=(input_shape[-1], 2))

        def call(self, x):
            return x @ self.w

    layer = Slow()
    x = torch.ones(3, 4)
    barrier = threading.Barrier(8)
    results, errors = [None] * 8, []

    def worker(i):
        try:
            barrier.wait()
            results[i] = layer(x)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(builds) == 1
    assert len(layer.weights) == 1
    for r in results:
        torch.testing.assert_close(r, results[0])


def test_weightless_layer_without_build_is_built_at_construction():
    class Scale(Layer):
        def call(self, x):
            return x * 2

    assert Scale().built
    assert not Dense(2).built


# ------------------------------------------------------------------ weights


def test_trainable_weight_is_parameter_non_trainable_is_buffer():
    class Stats(Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(2,), name="kernel")
            self.total = self.add_weight(
                shape=(), initializer="zeros", trainable=False, name="total"
            )

        def call(self, x):
            self.total.assign(self.total + x.sum())
            return x * self.kernel

    layer = Stats()
    layer(torch.ones(3, 2))
    assert [n for n, _ in layer.named_parameters()] == ["kernel"]
    assert [n for n, _ in layer.named_buffers()] == ["total"]
    assert layer.total.item() == 6.0
    assert layer.non_trainable_weights == [layer.total]
    assert layer.trainable_weights == [layer.kernel]
    assert layer.total.requires_grad is False
    assert layer.total.path == "stats/total" or layer.total.path.endswith("/total")


def test_weight_not_on_attribute_is_registered_under_its_name():
    class Hidden(Layer):
        def build(self, input_shape):
            self.add_weight(shape=(2,), name="secret")

        def call(self, x):
            return x

    layer = Hidden()
    layer(torch.ones(2))
    assert list(layer.state_dict()) == ["secret"]


def test_state_dict_keys_stable_across_instances_and_twins_load():
    keras.backend.clear_session()

    def make():
        class Net(Layer):
            def __init__(self):
                super().__init__()
                self.d1 = Dense(4)
                self.blocks = [Dense(4), Dense(4)]
                self.head = SimpleDense(2)

            def call(self, x):
                x = self.d1(x)
                for b in self.blocks:
                    x = b(x)
                return self.head(x)

        return Net()

    a, b = make(), make()
    x = torch.randn(3, 5)
    a(x)
    b(x)
    assert list(a.state_dict()) == list(b.state_dict())
    assert list(a.state_dict()) == [
        "d1.kernel",
        "d1.bias",
        "blocks.0.kernel",
        "blocks.0.bias",
        "blocks.1.kernel",
        "blocks.1.bias",
        "head.w",
        "head.b",
    ]
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(a(x), b(x))


def test_sublayers_in_containers_are_torch_children():
    class Containers(Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for _ in range(2):
                self.blocks.append(Dense(3))
            self.pair = (Dense(3), Dense(3))
            self.by_name = {"a": Dense(3)}
            self.mixed = [1, "x", Dense(3)]
            self.numbers = [1, 2]

        def call(self, x):
            for b in [*self.blocks, *self.pair, self.by_name["a"], self.mixed[2]]:
                x = b(x)
            return x

    layer = Containers()
    assert isinstance(layer.blocks, list) and isinstance(layer.pair, tuple)
    assert layer.numbers == [1, 2]
    layer(torch.ones(1, 3))
    keys = list(layer.state_dict())
    assert keys[:2] == ["blocks.0.kernel", "blocks.0.bias"]
    assert "pair.1.kernel" in keys and "by_name.a.kernel" in keys and "mixed.2.kernel" in keys
    assert len(keys) == 12
    names = dict(layer.named_modules())
    assert isinstance(names["blocks.1"], Dense)
    # .to() reaches them
    layer.to(torch.float64)
    assert layer.blocks[1].kernel.dtype == torch.float64
    # hooks on a child fire
    seen = []
    layer.blocks[0].register_forward_hook(lambda m, i, o: seen.append(o.shape))
    layer(torch.ones(2, 3, dtype=torch.float64))
    assert seen == [torch.Size([2, 3])]
    # each weight once in .weights too
    assert len(layer.weights) == 12


def test_same_sublayer_on_attribute_and_in_list_appears_once():
    class Shared(Layer):
        def __init__(self):
            super().__init__()
            self.d = Dense(2)
            self.blocks = [self.d, Dense(2)]

        def call(self, x):
            return self.blocks[1](self.d(x))

    layer = Shared()
    layer(torch.ones(1, 2))
    keys = list(layer.state_dict())
    assert keys == ["d.kernel", "d.bias", "blocks.1.kernel", "blocks.1.bias"]
    assert len(layer.weights) == 4


def test_weights_order_trainable_then_non_trainable_then_sublayers():
    class Mixed(Layer):
        def __init__(self):
            super().__init__()
            self.inner = Dense(2)

        def build(self, input_shape):
            self.a = self.add_weight(shape=(1,), name="a")
            self.m = self.add_weight(shape=(1,), trainable=False, name="m")
            self.b = self.add_weight(shape=(1,), name="b")
            self.inner.build(input_shape)

        def call(self, x):
            return self.inner(x)

    layer = Mixed()
    layer(torch.ones(1, 2))
    assert [w.name for w in layer.weights] == ["a", "b", "m", "kernel", "bias"]


def test_trainable_setter_freezes_sublayers():
    layer = Block()
    layer(torch.ones(1, 3))
    layer.trainable = False
    assert not layer.dense.trainable
    assert all(not p.requires_grad for p in layer.parameters())
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert all(p.requires_grad for p in layer.parameters())
    assert len(layer.trainable_weights) == 2


def test_get_and_set_weights():
    layer = Dense(3)
    layer(torch.ones(1, 2))
    ws = layer.get_weights()
    assert [w.shape for w in ws] == [(2, 3), (3,)]
    assert all(isinstance(w, np.ndarray) for w in ws)
    new = [np.arange(6, dtype="float32").reshape(2, 3), np.ones(3, "float32")]
    layer.set_weights(new)
    np.testing.assert_array_equal(layer.kernel.detach().numpy(), new[0])
    before = [w.copy() for w in layer.get_weights()]
    with pytest.raises(ValueError, match="weight list of length 1, but the layer was expecting 2"):
        layer.set_weights([new[0]])
    # the second shape is wrong: the first must not have been written either
    with pytest.raises(
        ValueError, match=r"weight shape \(3,\) is not compatible with provided weight shape \(4,\)"
    ):
        layer.set_weights([np.zeros((2, 3), "float32"), np.zeros(4, "float32")])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError):
        layer.set_weights(np.zeros(3))


def test_add_weight_bad_shape():
    class Bad(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(None, 3))

        def call(self, x):
            return x

    with pytest.raises(
        ValueError, match=r'Layer "bad.*`shape` of `add_weight`.*Received: shape=\(None, 3\)'
    ):
        Bad()(torch.ones(1))


def test_variable_api():
    layer = Dense(2)
    layer(torch.ones(1, 2))
    k = layer.kernel
    assert k.name == "kernel" and k.trainable and k.path.endswith("/kernel")
    k.assign(torch.zeros(2, 2))
    assert float(k.detach().sum()) == 0.0
    k.assign_add(np.ones((2, 2), "float32"))
    assert float(k.detach().sum()) == 4.0
    assert k.requires_grad  # assign writes in place, the weight stays a trainable leaf
    with pytest.raises(ValueError, match="must match"):
        k.assign(torch.zeros(3))


def test_to_keeps_variables_and_meta_device():
    class Stats(Layer):
        def build(self, input_shape):
            self.k = self.add_weight(shape=(input_shape[-1],))
            self.m = self.add_weight(
                shape=(input_shape[-1],), trainable=False, initializer="zeros", name="m"
            )

        def call(self, x):
            return x * self.k + self.m

    layer = Stats()
    layer(torch.ones(1, 3))
    layer.to(torch.float64)
    assert isinstance(layer.m, keras.Variable) and layer.m.dtype == torch.float64
    assert layer.m.name == "m"
    layer.to("meta")
    assert layer.k.device.type == "meta" and layer.m.device.type == "meta"
    assert layer(torch.ones(1, 3, device="meta", dtype=torch.float64)).device.type == "meta"


def test_build_on_meta_input_makes_meta_weights():
    layer = SimpleDense(3)
    out = layer(torch.empty(2, 5, device="meta"))
    assert out.device.type == "meta" and out.shape == (2, 3)
    assert all(w.device.type == "meta" for w in layer.weights)


def test_deepcopy_and_pickle():
    layer = Block()
    layer(torch.ones(1, 3))
    clone = copy.deepcopy(layer)
    x = torch.randn(2, 3)
    torch.testing.assert_close(clone(x), layer(x))
    assert clone.dense.kernel is not layer.dense.kernel
    assert isinstance(clone.dense.kernel, keras.Variable)
    revived = pickle.loads(pickle.dumps(layer))
    torch.testing.assert_close(revived(x), layer(x))
    assert revived.dense.kernel.name == "kernel"


# ------------------------------------------------------------------ inputs


def test_numpy_list_and_scalar_inputs_are_converted():
    layer = SimpleDense(2)
    y = layer(np.ones((2, 3)))  # float64 numpy becomes float32
    assert y.dtype == torch.float32
    y2 = layer([[1.0, 1.0, 1.0]])
    assert y2.shape == (1, 2)

    class Ident(Layer):
        def call(self, x):
            return x

    assert Ident()(3.0).dtype == torch.float32
    ro = np.ones((2, 3), "float32")
    ro.flags.writeable = False
    assert layer(ro).shape == (2, 2)


def test_tensor_inputs_pass_through_without_copy():
    class Ident(Layer):
        def call(self, x):
            return x

    x = torch.ones(3)
    assert Ident()(x) is x


def test_non_tensor_input_raises_type_error():
    with pytest.raises(
        TypeError, match=r'Layer "dense.*expects its `inputs` argument.*Received: inputs=\'a\''
    ):
        Dense(2)("a")
    with pytest.raises(TypeError, match="Received: inputs=<object"):
        Dense(2)(object())


def test_float64_tensor_is_autocast_to_compute_dtype():
    layer = Dense(2)
    assert layer(torch.ones(1, 2, dtype=torch.float64)).dtype == torch.float32
    assert Dense(2, dtype="float64")(torch.ones(1, 2)).dtype == torch.float64


# ------------------------------------------------------------------ InputSpec


def test_input_spec_messages_match_keras():
    layer = Dense(5, name="dense")
    layer(torch.ones(10, 5))
    with pytest.raises(ValueError) as e:
        layer(torch.ones(10, 4))
    assert str(e.value) == (
        'Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input '
        "shape to have value 5, but received input with shape (10, 4)"
    )
    with pytest.raises(
        ValueError, match=r"expected min_ndim=2, found ndim=1. Full shape received: \(5,\)"
    ):
        layer(torch.ones(5))


@pytest.mark.parametrize(
    "spec, shape, dtype, message",
    [
        (InputSpec(ndim=3), (2, 3), torch.float32, "expected ndim=3, found ndim=2"),
        (InputSpec(max_ndim=2), (2, 3, 4), torch.float32, "expected max_ndim=2, found ndim=3"),
        (
            InputSpec(dtype="int32"),
            (2,),
            torch.float32,
            "expected dtype=int32, found dtype=float32",
        ),
        (
            InputSpec(shape=(None, 4)),
            (2, 3),
            torch.float32,
            r"expected shape=\(None, 4\), found shape=\(2, 3\)",
        ),
        (
            InputSpec(axes={1: 7}),
            (2, 3),
            torch.float32,
            "expected axis 1 of input shape to have value 7",
        ),
    ],
)
def test_input_spec_checks(spec, shape, dtype, message):
    class Checked(Layer):
        def __init__(self):
            super().__init__(name="checked")
            self.input_spec = spec

        def call(self, x):
            return x

    with pytest.raises(
        ValueError, match=f'Input 0 of layer "checked" is incompatible with the layer: {message}'
    ):
        Checked()(torch.zeros(shape, dtype=dtype))


def test_input_spec_list_and_dict_inputs():
    class Two(Layer):
        def __init__(self):
            super().__init__(name="two")
            self.input_spec = [InputSpec(ndim=2, name="a"), InputSpec(ndim=2, name="b")]

        def call(self, inputs):
            if isinstance(inputs, dict):
                return inputs["a"] + inputs["b"]
            return inputs[0] + inputs[1]

    layer = Two()
    x = torch.ones(2, 2)
    assert layer([x, x]).shape == (2, 2)
    assert layer({"a": x, "b": x}).shape == (2, 2)
    with pytest.raises(ValueError, match='Layer "two" expects 2 input'):
        layer([x])
    with pytest.raises(ValueError, match='Missing data for input "b"'):
        layer({"a": x, "c": x})
    with pytest.raises(ValueError, match="Input 1 with name 'b' of layer \"two\""):
        layer([x, torch.ones(2)])


def test_input_spec_validation():
    with pytest.raises(TypeError, match="must be a dict with integer keys"):
        InputSpec(axes={"a": 1})
    with pytest.raises(ValueError, match="Axis 3 is greater than the maximum allowed value: 1"):
        InputSpec(ndim=2, axes={3: 1})
    assert InputSpec.from_config(InputSpec(ndim=2, axes={-1: 3}).get_config()).axes == {-1: 3}


# ------------------------------------------------------------------ config, shapes, losses


def test_auto_config_for_custom_layer():
    layer = SimpleDense(units=7)
    cfg = layer.get_config()
    assert cfg["units"] == 7 and "name" not in cfg  # SimpleDense.__init__ takes no name
    clone = SimpleDense.from_config(cfg)
    assert clone.units == 7

    class WithKwargs(Layer):
        def __init__(self, size, **kwargs):
            super().__init__(**kwargs)
            self.size = size

    cfg = WithKwargs(3, name="wk").get_config()
    assert cfg["size"] == 3 and cfg["name"] == "wk" and cfg["trainable"] is True
    assert WithKwargs.from_config(cfg).get_config() == cfg

    class NotPlain(Layer):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

    with pytest.raises(NotImplementedError, match="Override `get_config\\(\\)`"):
        NotPlain(lambda x: x).get_config()


def test_dense_config_matches_keras(keras):
    ours = Dense(3, activation="relu", name="d").get_config()
    theirs = keras.layers.Dense(3, activation="relu", name="d").get_config()
    assert ours == theirs


def test_compute_output_shape_default_runs_call_on_meta():
    class Pairs(Layer):
        def call(self, x):
            return x.reshape(x.shape[0], -1, 2).sum(-1)

    assert Pairs().compute_output_shape((None, 8)) == (None, 4)
    layer = SimpleDense(5)
    assert layer.compute_output_shape((None, 3)) == (None, 5)
    assert layer.built and layer.w.device.type == "cpu"
    assert Dense(4).compute_output_shape((2, 3, 6)) == (2, 3, 4)


def test_losses_activity_and_weight_regularizers():
    layer = Dense(
        2,
        kernel_regularizer=keras.regularizers.L2(0.1),
        activity_regularizer=keras.regularizers.L1(0.5),
    )
    x = torch.ones(3, 2)
    y = layer(x)
    assert len(layer.losses) == 2
    act, reg = layer.losses
    torch.testing.assert_close(act, 0.5 * y.abs().sum() / 3)  # divided by the batch size
    torch.testing.assert_close(reg, 0.1 * (layer.kernel**2).sum())
    layer(x)
    assert len(layer.losses) == 2  # the activity loss of the last call only

    class AddsLoss(Layer):
        def __init__(self):
            super().__init__()
            self.inner = Dense(2, activity_regularizer="l2")

        def call(self, x):
            self.add_loss(x.sum())
            return self.inner(x)

    outer = AddsLoss()
    outer(x)
    assert len(outer.losses) == 2
    (outer(x).sum() + sum(outer.losses)).backward()
    assert outer.inner.kernel.grad is not None


def test_dtype_policy():
    layer = Dense(2, dtype="mixed_bfloat16")
    assert layer.compute_dtype == "bfloat16" and layer.dtype == "float32"
    layer.build((1, 3))
    assert layer.weights[0].dtype == torch.float32  # the weight; reads in a mixed layer cast
    assert Dense(2, dtype="float64").dtype_policy.name == "float64"
    with pytest.raises(ValueError, match="mixed_float16"):
        Dense(2, dtype="mixed_float17")


def test_container_filled_in_build_is_registered():
    class Lazy(Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []

        def build(self, input_shape):
            for _ in range(2):
                self.blocks.append(Dense(3))

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    layer = Lazy()
    layer(torch.ones(1, 3))
    assert list(layer.state_dict()) == [
        "blocks.0.kernel",
        "blocks.0.bias",
        "blocks.1.kernel",
        "blocks.1.bias",
    ]
    assert len(layer.weights) == 4


def test_training_given_by_position():
    class Pos(Layer):
        def call(self, x, training=None):
            return x + (1.0 if training else 0.0)

    layer = Pos()
    x = torch.zeros(1)
    assert layer(x).item() == 0.0
    assert layer(x, True).item() == 1.0
    assert layer(x, training=True).item() == 1.0


def test_build_without_shape_argument():
    class NoShape(Layer):
        def build(self):
            self.w = self.add_weight(shape=(2,), initializer="ones")

        def call(self, x):
            return x * self.w

    layer = NoShape()
    assert layer(torch.ones(2)).tolist() == [1.0, 1.0]


def test_shared_harness_runs_on_dense():
    from kshim.testing import run_layer_test

    layer = run_layer_test(
        Dense,
        {"units": 3, "activation": "relu"},
        input_shape=(2, 4),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=0,
        expected_weight_names=["kernel", "bias"],
    )
    assert layer.built


def test_set_random_seed_makes_initializers_reproducible():
    keras.utils.set_random_seed(123)
    a = Dense(4)
    a.build((None, 3))
    keras.utils.set_random_seed(123)
    b = Dense(4)
    b.build((None, 3))
    torch.testing.assert_close(a.kernel, b.kernel)
    c = Dense(4)
    c.build((None, 3))
    assert not torch.allclose(a.kernel, c.kernel)
