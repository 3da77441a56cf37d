"""``BaseSpatialDropout``: the shared logic of ``SpatialDropout1D/2D/3D``."""

from __future__ import annotations

from kshim import random as krandom
from kshim.layers.regularization.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """Dropout of whole feature maps: one keep/drop draw per (sample, channel), shared by
    every spatial position, kept values scaled by ``1 / (1 - rate)``.

    Subclasses set ``_feature_dropout`` (torch's ``F.dropout1d/2d/3d``, which want
    channels-first inputs), ``_to_channels_first``/``_from_channels_first`` (permutations,
    or ``None`` for channels-first inputs) and ``_noise_axes`` (the input axes the mask
    varies over: batch and channels), as class attributes or, where they depend on
    ``data_format``, in ``__init__``.

    Args:
        rate: Float in ``[0, 1]``, the fraction of feature maps to drop.
        seed: Integer seed; ``None`` draws from torch's global generator (the fast path).
        name: The layer's name.
        dtype: The layer's dtype policy.
    """

    _feature_dropout = None  # a staticmethod in each subclass
    _to_channels_first = None
    _from_channels_first = None
    _noise_axes: tuple = ()

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            if self.seed_generator is None:
                perm = self._to_channels_first
                if perm is None:
                    return self._feature_dropout(inputs, self.rate, True)
                out = self._feature_dropout(inputs.permute(perm), self.rate, True)
                return out.permute(self._from_channels_first)
            keep = self._noise_axes
            noise_shape = tuple(d if i in keep else 1 for i, d in enumerate(inputs.shape))
            return krandom.dropout(
                inputs, self.rate, noise_shape=noise_shape, seed=self.seed_generator
            )
        return inputs

    def get_config(self):
        # Keras' spatial dropouts take only these arguments (no ``trainable``), and write
        # the dtype as a name.
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
