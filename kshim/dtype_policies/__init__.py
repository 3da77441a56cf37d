"""Dtype policies (mixed precision)."""

from kshim.dtype_policies.dtype_policy import (
    DTypePolicy,
    dtype_policy,
    get,
    serialize,
    set_dtype_policy,
)
