"""Keras dtype policies: the dtype weights are stored in and the dtype layers compute in."""

from __future__ import annotations

import threading

from kshim.backend import config

_VALID_MIXED = ("mixed_float16", "mixed_bfloat16")
_global = threading.local()


class DTypePolicy:
    """A dtype policy: ``variable_dtype`` for weights, ``compute_dtype`` for computation.

    Args:
        name: ``"float32"``, ``"float16"``, ``"bfloat16"``, ``"float64"``,
            ``"mixed_float16"`` or ``"mixed_bfloat16"``. ``None`` means ``floatx()``.

    >>> p = DTypePolicy("mixed_bfloat16")
    >>> (p.variable_dtype, p.compute_dtype)
    ('float32', 'bfloat16')
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = config.floatx()
        if not isinstance(name, str):
            raise TypeError(
                f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                f"(of type {type(name)})"
            )
        if name in _VALID_MIXED:
            compute = "float16" if name == "mixed_float16" else "bfloat16"
            variable = "float32"
        else:
            try:
                variable = compute = config.standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies "
                    "are 'mixed_float16', 'mixed_bfloat16', and any dtype name such as "
                    "'float32'."
                ) from None
        self._name = name
        self._compute_dtype = compute
        self._variable_dtype = variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self._variable_dtype

    @property
    def quantization_mode(self):
        return None

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> DTypePolicy:
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def set_dtype_policy(policy) -> None:
    """Sets the global dtype policy (``None`` resets it to ``floatx()``)."""
    _global.policy = None if policy is None else get(policy)


def dtype_policy() -> DTypePolicy:
    """Returns the global dtype policy."""
    policy = getattr(_global, "policy", None)
    return policy if policy is not None else DTypePolicy(config.floatx())


def get(identifier) -> DTypePolicy:
    """Returns a ``DTypePolicy`` from a name, a policy, a torch dtype, a config or ``None``."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        cfg = identifier.get("config", identifier)
        return DTypePolicy(cfg.get("name"))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(config.standardize_dtype(identifier))
    except ValueError:
        raise ValueError(
            "Cannot interpret `dtype` argument. Expected a string or an instance of "
            f"DTypePolicy. Received: dtype={identifier}"
        ) from None


def serialize(policy: DTypePolicy) -> dict:
    """Serializes a policy in Keras 3's format."""
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }
