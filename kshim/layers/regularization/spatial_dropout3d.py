"""``SpatialDropout3D``: drops whole channels of a volume."""

from __future__ import annotations

import torch.nn.functional as F

from kshim.backend.config import standardize_data_format
from kshim.layers.input_spec import InputSpec
from kshim.layers.regularization.base_spatial_dropout import BaseSpatialDropout


class SpatialDropout3D(BaseSpatialDropout):
    """Spatial 3D dropout: in training, zeroes entire feature volumes of each sample with
    probability ``rate`` and scales the others by ``1 / (1 - rate)``; in inference it
    returns its input unchanged (Tompson et al., 2014).

    Args:
        rate: Float in ``[0, 1]``, the fraction of feature volumes to drop.
        data_format: ``"channels_last"`` (``(batch, dim1, dim2, dim3, channels)``) or
            ``"channels_first"`` (``(batch, channels, dim1, dim2, dim3)``); ``None`` takes
            ``kshim.config.image_data_format()``.
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path:
            ``F.dropout3d``, on a channels-first view for channels-last inputs).
        name: The layer's name.
        dtype: The layer's dtype policy.

    Input shape:
        5D tensor, laid out as ``data_format`` says.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = SpatialDropout3D(0.5)
    >>> y = layer(torch.ones(2, 2, 2, 2, 8), training=True)
    >>> bool((y == y[:, :1, :1, :1]).all())  # one draw per (sample, channel)
    True
    """

    _feature_dropout = staticmethod(F.dropout3d)
    _noise_axes = (0, 4)

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = standardize_data_format(data_format)
        if self.data_format == "channels_first":
            self._noise_axes = (0, 1)
        else:
            self._to_channels_first = (0, 4, 1, 2, 3)
            self._from_channels_first = (0, 2, 3, 4, 1)
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
