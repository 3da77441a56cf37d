"""``SpatialDropout1D``: drops whole channels of a sequence."""

from __future__ import annotations

import torch.nn.functional as F

from kshim.layers.input_spec import InputSpec
from kshim.layers.regularization.base_spatial_dropout import BaseSpatialDropout


class SpatialDropout1D(BaseSpatialDropout):
    """Spatial 1D dropout: in training, zeroes entire channels of each sample (the same
    draw at every timestep) with probability ``rate`` and scales the others by
    ``1 / (1 - rate)``; in inference it returns its input unchanged (Tompson et al., 2014).

    Args:
        rate: Float in ``[0, 1]``, the fraction of channels to drop.
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path:
            ``F.dropout1d`` on a transposed view).
        name: The layer's name.
        dtype: The layer's dtype policy.

    Input shape:
        3D tensor ``(batch, timesteps, channels)``.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = SpatialDropout1D(0.5)
    >>> y = layer(torch.ones(2, 5, 8), training=True)
    >>> bool(((y == y[:, :1]).all()))  # one draw per (sample, channel)
    True
    """

    _feature_dropout = staticmethod(F.dropout1d)
    _to_channels_first = (0, 2, 1)
    _from_channels_first = (0, 2, 1)
    _noise_axes = (0, 2)

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=3)
