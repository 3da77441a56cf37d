"""Mixed precision, as ``keras.mixed_precision``: weights in float32, compute in half.

>>> import kshim, torch
>>> kshim.mixed_precision.set_global_policy("mixed_bfloat16")
>>> layer = kshim.layers.Dense(2)
>>> kshim.mixed_precision.set_global_policy(None)
>>> y = layer(torch.ones(1, 3))
>>> (layer.variable_dtype, layer.compute_dtype, y.dtype)
('float32', 'bfloat16', torch.bfloat16)
"""

from kshim.dtype_policies.dtype_policy import DTypePolicy
from kshim.dtype_policies.dtype_policy import DTypePolicy as Policy
from kshim.dtype_policies.dtype_policy import dtype_policy as global_policy
from kshim.dtype_policies.dtype_policy import set_dtype_policy as set_global_policy

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy"]
