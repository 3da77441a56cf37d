"""serialize_keras_object / deserialize_keras_object and registration, against Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import threading

import numpy as np
import pytest
import torch

from kshim import activations, constraints, initializers, regularizers
from kshim.saving import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from kshim.saving.serialization_lib import UnknownObjectError

keras = pytest.importorskip("keras")


class Scaler:
    """A user class with a config (not registered)."""

    def __init__(self, factor=1.0):
        self.factor = factor

    def get_config(self):
        return {"factor": self.factor}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_keras_serializable("kshim_tests")
class RegisteredScaler(Scaler):
    pass


@register_keras_serializable("kshim_tests", name="custom_act")
def custom_act(x):
    return x * 3


# ---------------------------------------------------------------- serialize


@pytest.mark.parametrize(
    "value",
    [
        None,
        "relu",
        3,
        2.5,
        True,
        [1, 2.0, "a"],
        (1, (2, 3)),
        {"a": (1, 2), "b": [None, "x"]},
        b"bytes",
        slice(1, None, 2),
        Ellipsis,
        np.float32(2.5),
        np.int64(4),
        np.arange(6, dtype="int32").reshape(2, 3),
        np.ones(3, dtype="float64"),
    ],
    ids=repr,
)
def test_serialize_plain_values_match_keras(value):
    assert serialize_keras_object(value) == keras.saving.serialize_keras_object(value)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bfloat16])
def test_serialize_tensor_matches_keras(dtype):
    t = torch.arange(4).reshape(2, 2).to(dtype)
    assert serialize_keras_object(t) == keras.saving.serialize_keras_object(t)
    back = deserialize_keras_object(serialize_keras_object(t))
    assert back.dtype == dtype and torch.equal(back, t)


@pytest.mark.parametrize(
    "value",
    [
        [1, 2.0, "a"],
        {"a": [1, 2], "b": {"c": None}},
        b"bytes",
        slice(1, None, 2),
        Ellipsis,
        np.float32(2.5),
    ],
    ids=repr,
)
def test_plain_values_round_trip(value):
    assert deserialize_keras_object(serialize_keras_object(value)) == value


def test_numpy_round_trip():
    arr = np.arange(6, dtype="int32").reshape(2, 3)
    back = deserialize_keras_object(serialize_keras_object(arr))
    assert back.dtype == arr.dtype
    np.testing.assert_array_equal(back, arr)


def test_torch_dtype_serializes_to_its_keras_name():
    assert serialize_keras_object(torch.float16) == "float16"


def test_serialize_function_matches_keras():
    def my_function(x):
        return x

    ours = serialize_keras_object(my_function)
    assert ours == keras.saving.serialize_keras_object(my_function)
    assert ours == {
        "module": "builtins",
        "class_name": "function",
        "config": "my_function",
        "registered_name": "function",
    }
    assert serialize_keras_object(custom_act)["config"] == "kshim_tests>custom_act"


def test_serialize_custom_objects_match_keras():
    ours = serialize_keras_object(Scaler(2.0))
    assert ours == keras.saving.serialize_keras_object(Scaler(2.0))
    assert ours["class_name"] == "Scaler" and ours["registered_name"] == "Scaler"
    assert ours["module"] == Scaler.__module__
    reg = serialize_keras_object(RegisteredScaler(3.0))
    assert reg["registered_name"] == "kshim_tests>RegisteredScaler"
    assert reg["config"] == {"factor": 3.0}


def test_serialize_lambda_is_refused():
    with pytest.raises(ValueError, match="Cannot serialize a `lambda`"):
        serialize_keras_object(lambda x: x)


def test_serialize_object_without_config():
    with pytest.raises(TypeError, match="Cannot serialize object"):
        serialize_keras_object(object())

    class BadConfig:
        def get_config(self):
            return [1]

    with pytest.raises(TypeError, match="should return a dict"):
        serialize_keras_object(BadConfig())


def test_build_config_is_written():
    class Built(Scaler):
        def get_build_config(self):
            return {"input_shape": (None, 3)}

    config = serialize_keras_object(Built())
    assert config["build_config"] == {"input_shape": (None, 3)}
    assert config == keras.saving.serialize_keras_object(Built())


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (initializers.GlorotUniform(seed=3), keras.initializers.GlorotUniform(seed=3)),
        (initializers.Initializer(), keras.initializers.Initializer()),
        (initializers.Identity(), keras.initializers.Identity()),
        (regularizers.L1L2(0.1, 0.2), keras.regularizers.L1L2(0.1, 0.2)),
        (constraints.MaxNorm(3, axis=[0, 1]), keras.constraints.MaxNorm(3, axis=[0, 1])),
        (constraints.Constraint(), keras.constraints.Constraint()),
    ],
    ids=lambda o: type(o).__name__,
)
def test_builtin_objects_serialize_like_keras(ours, theirs):
    assert serialize_keras_object(ours) == keras.saving.serialize_keras_object(theirs)


# ---------------------------------------------------------------- deserialize


def test_keras_configs_load_without_module_objects():
    # Keras' public module paths name kshim's objects.
    for keras_obj, cls in [
        (keras.initializers.HeNormal(seed=4), initializers.HeNormal),
        (keras.initializers.Initializer(), initializers.Initializer),
        (
            keras.regularizers.OrthogonalRegularizer(0.5, "columns"),
            regularizers.OrthogonalRegularizer,
        ),
        (keras.constraints.UnitNorm(axis=1), constraints.UnitNorm),
    ]:
        config = keras.saving.serialize_keras_object(keras_obj)
        obj = deserialize_keras_object(config)
        assert type(obj) is cls
        assert obj.get_config() == keras_obj.get_config()


def test_builtin_function_config_loads():
    config = keras.saving.serialize_keras_object(keras.activations.gelu)
    assert deserialize_keras_object(config) is activations.gelu


def test_legacy_dicts_need_module_objects():
    legacy = {"class_name": "GlorotUniform", "config": {"seed": 2}}
    init = deserialize_keras_object(
        legacy, module_objects={"GlorotUniform": initializers.GlorotUniform}
    )
    assert isinstance(init, initializers.GlorotUniform) and init.seed == 2
    with pytest.raises(UnknownObjectError, match="Could not locate class 'GlorotUniform'"):
        deserialize_keras_object(legacy)
    # The same error type as Keras.
    with pytest.raises(TypeError, match="Could not locate class 'GlorotUniform'"):
        keras.saving.deserialize_keras_object(legacy)


def test_strings():
    assert deserialize_keras_object("unknown name") == "unknown name"
    got = deserialize_keras_object("ones", module_objects={"ones": initializers.Ones})
    assert isinstance(got, initializers.Ones)
    assert deserialize_keras_object("kshim_tests>custom_act") is custom_act


def test_custom_objects_lookup_and_precedence():
    config = serialize_keras_object(Scaler(5.0))
    with pytest.raises(TypeError, match="Could not locate class 'Scaler'"):
        deserialize_keras_object(config)
    obj = deserialize_keras_object(config, custom_objects={"Scaler": Scaler})
    assert isinstance(obj, Scaler) and obj.factor == 5.0
    # Positional `custom_objects`, as in Keras' signature.
    assert isinstance(deserialize_keras_object(config, {"Scaler": Scaler}), Scaler)
    # User objects take precedence over module objects (Keras' order).
    picked = deserialize_keras_object(
        {"class_name": "Scaler", "config": {}},
        custom_objects={"Scaler": RegisteredScaler},
        module_objects={"Scaler": Scaler},
    )
    assert type(picked) is RegisteredScaler


def test_registered_objects_round_trip():
    obj = deserialize_keras_object(serialize_keras_object(RegisteredScaler(7.0)))
    assert type(obj) is RegisteredScaler and obj.factor == 7.0
    assert deserialize_keras_object(serialize_keras_object(custom_act)) is custom_act
    # Keras <= 3.6 wrote registered functions by bare name.
    old = {"module": "builtins", "class_name": "function", "config": "custom_act"}
    assert deserialize_keras_object({**old, "registered_name": "function"}) is custom_act


def test_keras_reads_our_registered_config():
    keras.saving.register_keras_serializable("kshim_tests")(RegisteredScaler)
    theirs = keras.saving.deserialize_keras_object(serialize_keras_object(RegisteredScaler(2.0)))
    assert isinstance(theirs, RegisteredScaler) and theirs.factor == 2.0


def test_lambda_configs_load_only_outside_safe_mode():
    with pytest.warns(UserWarning, match="lambda"):
        config = keras.saving.serialize_keras_object(lambda x: x + 1)
    with pytest.raises(ValueError, match="deserialization of a Python lambda.*safe_mode"):
        deserialize_keras_object(config)
    with pytest.raises(ValueError, match="safe_mode=True"):
        deserialize_keras_object(config, safe_mode=True)
    fn = deserialize_keras_object(config, safe_mode=False)
    assert fn(1) == 2
    # The scope ends with the call: the next default load is safe again.
    with pytest.raises(ValueError, match="deserialization of a Python lambda"):
        deserialize_keras_object(config)


@pytest.mark.parametrize(
    "config",
    [
        {"module": "os", "class_name": "system", "config": {}, "registered_name": None},
        {"module": "keras.not_a_module", "class_name": "Dense", "config": {}},
        {"module": "keras.src.ops", "class_name": "eval", "config": {}},
        {"module": "builtins", "class_name": "function", "config": "eval"},
        {"module": "builtins", "class_name": "function", "config": "__import__"},
    ],
)
def test_configs_cannot_reach_arbitrary_code(config):
    with pytest.raises(TypeError, match="Could not locate"):
        deserialize_keras_object(config)


def test_malformed_configs():
    with pytest.raises(ValueError, match="Unknown `config` as a `dict`"):
        deserialize_keras_object({"config": {}}, module_objects={})
    assert deserialize_keras_object({"a": 1, "b": [2]}) == {"a": 1, "b": [2]}
    with pytest.raises(TypeError, match="Expected 'config' to be a dict"):
        deserialize_keras_object({"class_name": "Scaler", "config": 3}, {"Scaler": Scaler})
    with pytest.raises(TypeError, match="could not be deserialized properly"):
        deserialize_keras_object(
            {"class_name": "Scaler", "config": {"nope": 1}}, {"Scaler": Scaler}
        )


# ---------------------------------------------------------------- registration


def test_register_keras_serializable():
    assert get_registered_name(RegisteredScaler) == "kshim_tests>RegisteredScaler"
    assert get_registered_object("kshim_tests>RegisteredScaler") is RegisteredScaler
    assert get_custom_objects()["kshim_tests>custom_act"] is custom_act
    assert get_registered_name(Scaler) == "Scaler"
    assert get_registered_object("Scaler") is None
    assert get_registered_object("Scaler", custom_objects={"Scaler": Scaler}) is Scaler
    assert get_registered_object("x", module_objects={"x": Scaler}) is Scaler

    class NoConfig:
        pass

    with pytest.raises(ValueError, match="Cannot register a class that does not have a get_config"):
        register_keras_serializable()(NoConfig)


def test_custom_object_scope_is_scoped_and_per_thread():
    assert custom_object_scope is CustomObjectScope
    with custom_object_scope({"Scaler": Scaler}):
        assert get_registered_object("Scaler") is Scaler
        with custom_object_scope({"Other": RegisteredScaler}):
            assert get_registered_object("Other") is RegisteredScaler
            assert get_registered_object("Scaler") is None  # scopes replace, as in Keras
        assert get_registered_object("Scaler") is Scaler
        seen = []
        thread = threading.Thread(target=lambda: seen.append(get_registered_object("Scaler")))
        thread.start()
        thread.join()
        assert seen == [None]
        obj = deserialize_keras_object(serialize_keras_object(Scaler(4.0)))
        assert isinstance(obj, Scaler) and obj.factor == 4.0
    assert get_registered_object("Scaler") is None
