"""``BatchNormalization``: normalizes with the batch statistics in training and with moving
averages of them in inference."""

from __future__ import annotations

import math
import numbers

import torch
import torch.distributed as dist

from kshim import constraints, initializers, regularizers
from kshim.backend import config
from kshim.layers.input_spec import InputSpec
from kshim.layers.layer import Layer
from kshim.layers.normalization._args import check_axes_in_bounds, check_float, weight

_EXACT = (torch.float32, torch.float64)

# How ``call`` puts the channel axis at dim 1, the layout torch's batch norm kernels want.
_AS_IS, _FLATTEN, _MOVEDIM = 0, 1, 2


def _clone_initializer(init):
    """A fresh copy of a configurable initializer, so two weights get independent draws."""
    if isinstance(init, initializers.Initializer):
        return type(init).from_config(init.get_config())
    return init


def _cast(w, dtype):
    return w if w is None or w.dtype == dtype else w.to(dtype)


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


class BatchNormalization(Layer):
    """Normalizes its inputs per channel: ``gamma * (x - mean) / sqrt(var + epsilon) + beta``.

    In training (``training=True``, or ``layer.train()``) ``mean`` and ``var`` are the
    statistics of the current batch (the biased variance, over every axis but ``axis``) and
    the moving statistics are updated in place, as in Keras::

        moving_mean = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + var * (1 - momentum)

    (torch's ``momentum`` is ``1 - momentum`` here, and torch's running variance is the
    unbiased one; this layer follows Keras.) In inference the moving statistics are used.
    A layer with ``trainable=False`` always runs in inference mode, as in Keras.

    Args:
        axis: The channel axis (``-1`` for channels-last, ``1`` for channels-first).
        momentum: Momentum of the moving averages, in ``[0, 1]``.
        epsilon: Non-negative number added to the variance.
        center: Whether to add the learned offset ``beta``.
        scale: Whether to multiply by the learned scale ``gamma``.
        beta_initializer: Initializer of ``beta`` (``"zeros"``).
        gamma_initializer: Initializer of ``gamma`` (``"ones"``).
        moving_mean_initializer: Initializer of the moving mean (``"zeros"``).
        moving_variance_initializer: Initializer of the moving variance (``"ones"``).
        beta_regularizer: Regularizer of ``beta``.
        gamma_regularizer: Regularizer of ``gamma``.
        beta_constraint: Constraint of ``beta``.
        gamma_constraint: Constraint of ``gamma``.
        renorm: Whether to use Batch Renormalization (Ioffe, 2017): training normalizes
            with the batch statistics corrected towards moving ones by ``r`` and ``d``.
        renorm_clipping: Dict with optional keys ``"rmax"``, ``"rmin"``, ``"dmax"``
            bounding the renorm corrections.
        renorm_momentum: Momentum of the renorm moving statistics.
        synchronized: If ``True`` and a ``torch.distributed`` process group is initialized,
            the training statistics are those of the global batch across the default group
            (as ``torch.nn.SyncBatchNorm``: one differentiable, traceable all-reduce per
            call). Without a process group it changes nothing. (Keras supports it on
            TensorFlow only and raises on its torch backend.)
        **kwargs: Base ``Layer`` arguments.

    Call arguments:
        inputs: Tensor of any rank.
        training: Whether to normalize with the batch statistics and update the moving ones.
        mask: Optional boolean tensor of rank ``inputs.ndim - 1`` (one entry per position of
            a channels-last input): in training, masked-out positions are left out of the
            batch statistics.

    Input shape:
        Any; the size of ``axis`` is fixed at build.

    Output shape:
        Same as the input.

    >>> import torch
    >>> layer = BatchNormalization(momentum=0.5)
    >>> x = torch.tensor([[0.0, 10.0], [2.0, 30.0]])
    >>> layer(x, training=True).detach().round(decimals=2)
    tensor([[-1., -1.],
            [ 1.,  1.]])
    >>> layer.moving_mean.tolist(), layer.moving_variance.tolist()
    ([0.5, 10.0], [1.0, 50.5])
    >>> layer(x).shape  # inference: normalizes with the moving statistics
    torch.Size([2, 2])
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise ValueError(
                f"Invalid value for argument `axis`: expected an integer. Received: axis={axis!r}"
            )
        self.axis = int(axis)
        self.momentum = float(check_float(momentum, "momentum", 0.0, 1.0))
        self.epsilon = float(check_float(epsilon, "epsilon"))
        self.center = center
        self.scale = scale
        self.synchronized = synchronized
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.renorm = renorm
        if renorm:
            renorm_clipping = renorm_clipping or {}
            keys = ["rmax", "rmin", "dmax"]
            if not isinstance(renorm_clipping, dict) or set(renorm_clipping) - set(keys):
                raise ValueError(
                    "Received invalid keys for `renorm_clipping` argument: "
                    f"{renorm_clipping}. Supported values: {keys}."
                )
            rmax, rmin = renorm_clipping.get("rmax"), renorm_clipping.get("rmin")
            dmax = renorm_clipping.get("dmax")
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(
                    "rmax should be greater than rmin in the `renorm_clipping` argument. "
                    f"Received: rmax={rmax}, rmin={rmin}."
                )
            if dmax is not None and dmax < 0:
                raise ValueError(
                    "dmax should be non-negative in the `renorm_clipping` argument. "
                    f"Received: dmax={dmax}."
                )
        check_float(renorm_momentum, "renorm_momentum", 0.0, 1.0)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        ndim = len(input_shape)
        pos = self.axis % ndim
        channels = input_shape[pos]
        if channels is None:
            raise ValueError(
                f"Axis {self.axis} of the input of layer '{self.name}' must have a defined "
                f"size. Received input shape {input_shape}"
            )
        shape = (channels,)
        if self.scale:
            self.gamma = self.add_weight(
                shape=shape,
                name="gamma",
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
                trainable=True,
            )
        if self.center:
            self.beta = self.add_weight(
                shape=shape,
                name="beta",
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
                trainable=True,
            )
        self.moving_mean = self.add_weight(
            shape=shape,
            name="moving_mean",
            initializer=self.moving_mean_initializer,
            trainable=False,
        )
        self.moving_variance = self.add_weight(
            shape=shape,
            name="moving_variance",
            initializer=self.moving_variance_initializer,
            trainable=False,
        )
        if self.renorm:
            # Renorm tracks the moving standard deviation; it starts at the square root of
            # the moving variance initializer's values.
            def stddev_initializer(shape, dtype=None):
                return torch.sqrt(
                    _clone_initializer(self.moving_variance_initializer)(shape, dtype)
                )

            self.moving_stddev = self.add_weight(
                shape=shape, name="moving_stddev", initializer=stddev_initializer, trainable=False
            )
            self.renorm_mean = self.add_weight(
                shape=shape,
                name="renorm_mean",
                initializer=_clone_initializer(self.moving_mean_initializer),
                trainable=False,
            )
            self.renorm_stddev = self.add_weight(
                shape=shape, name="renorm_stddev", initializer=stddev_initializer, trainable=False
            )
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: channels})
        self._channels = channels
        # Set past Layer.__setattr__, which registers an empty tuple (a rank-1 input) as a
        # container of sub-layers.
        object.__setattr__(self, "_reduction_axes", tuple(i for i in range(ndim) if i != pos))
        self._broadcast_shape = tuple(channels if i == pos else 1 for i in range(ndim))
        self._pos = pos
        if pos == 1:
            self._layout = _AS_IS
        elif pos == ndim - 1 and ndim not in (4, 5):
            self._layout = _FLATTEN  # (..., C) -> (M, C): a free view, no transpose
        else:
            # Channels-last 4D/5D: a channels-first view with channels_last strides, which
            # torch's kernels read natively.
            self._layout = _MOVEDIM

    # ------------------------------------------------------------------ layouts

    def _channels_second(self, x):
        layout = self._layout
        if layout == _AS_IS:
            return x
        if layout == _FLATTEN:
            return x.reshape(-1, self._channels)
        return x.movedim(self._pos, 1)

    def _restore(self, y, x):
        layout = self._layout
        if layout == _AS_IS:
            return y
        if layout == _FLATTEN:
            return y.reshape(x.shape)
        return y.movedim(1, self._pos)

    # ------------------------------------------------------------------ call

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={tuple(mask.shape)}, inputs.shape={tuple(inputs.shape)}"
            )
        x = inputs
        # As Keras: statistics in float32 at least (half precision overflows).
        if x.dtype not in _EXACT:
            x = x.to(torch.float32)
        if training and self._trainable:
            if mask is not None:
                out = self._masked_training(x, mask)
            elif self.renorm:
                out = self._renorm_training(x)
            elif self.synchronized and _distributed():
                out = self._synchronized_training(x)
            else:
                out = self._training(x)
        else:
            dt = x.dtype
            buffers = self._buffers
            gamma, beta = weight(self, "gamma", dt), weight(self, "beta", dt)
            mean = _cast(buffers["moving_mean"], dt)
            var = _cast(buffers["moving_variance"], dt)
            if torch.compiler.is_compiling():
                out = self._affine(x, gamma, beta, mean, var)
            else:
                out = self._restore(
                    torch.batch_norm(
                        self._channels_second(x),
                        gamma,
                        beta,
                        mean,
                        var,
                        False,
                        0.0,
                        self.epsilon,
                        torch.backends.cudnn.enabled,
                    ),
                    x,
                )
        cdt = self._compute_torch_dtype
        return out if out.dtype == cdt else out.to(cdt)

    def _affine(self, x, gamma, beta, mean, var):
        """Inference under ``torch.compile`` (and export): ``x * scale + shift``, broadcast
        along the channel axis where it is. Eager runs torch's batch-norm kernel, which
        wants the channels at dim 1; traced, moving them there and back is two view nodes
        per layer that the compiler has to carry through (on the benchmark's CNN the
        compile took about a tenth longer), for the same fused arithmetic."""
        scale = torch.rsqrt(var + self.epsilon)
        if gamma is not None:
            scale = scale * gamma
        shift = -mean * scale
        if beta is not None:
            shift = shift + beta
        if self._pos != x.dim() - 1:
            scale = scale.reshape(self._broadcast_shape)
            shift = shift.reshape(self._broadcast_shape)
        return x * scale + shift

    def _training(self, x):
        dt = x.dtype
        c = self._channels
        xv = self._channels_second(x)
        buffers = self._buffers
        mm, mv = buffers["moving_mean"], buffers["moving_variance"]
        k = self.momentum
        # torch's fused kernel normalizes with the biased batch variance and updates the
        # "running" tensors it is given as ``(1 - m) * running + m * batch_stat``, with the
        # unbiased variance. The moving mean is updated there (m = 1 - momentum: Keras'
        # formula); the variance goes to a zero scratch (``m * unbiased``), then into the
        # moving variance rescaled to Keras' biased variance, ``unbiased * (n - 1) / n``.
        batch_var = x.new_zeros(c)
        if mm.dtype == dt:
            m = 1.0 - k
            out = torch.batch_norm(
                xv,
                weight(self, "gamma", dt),
                weight(self, "beta", dt),
                mm,
                batch_var,
                True,
                m,
                self.epsilon,
                torch.backends.cudnn.enabled,
            )
        else:  # weights and input in different dtypes: exact statistics (m = 1), cast
            m = 1.0
            batch_mean = x.new_zeros(c)
            out = torch.batch_norm(
                xv,
                weight(self, "gamma", dt),
                weight(self, "beta", dt),
                batch_mean,
                batch_var,
                True,
                m,
                self.epsilon,
                torch.backends.cudnn.enabled,
            )
            with torch.no_grad():
                mm.mul_(k).add_(batch_mean.to(mm.dtype), alpha=1.0 - k)
        n = xv.numel() // c
        # Neither the buffer nor the scratch carries a gradient: no no_grad() needed (it
        # costs more than these two updates).
        mv.mul_(k)
        # n == 1: one value per channel, a batch variance of 0 (torch's is NaN);
        # m == 0: momentum 1, the moving statistics stay as they are.
        if n > 1 and m > 0:
            mv.add_(batch_var.to(mv.dtype), alpha=(1.0 - k) / m * (n - 1) / n)
        return self._restore(out, x)

    def _update_moving(self, mean, var) -> None:
        k = self.momentum
        with torch.no_grad():
            mm, mv = self.moving_mean, self.moving_variance
            mm.mul_(k).add_(mean.detach().to(mm.dtype), alpha=1.0 - k)
            mv.mul_(k).add_(var.detach().to(mv.dtype), alpha=1.0 - k)

    def _normalize(self, x, mean, var, shape):
        """``(x - mean) * rsqrt(var + epsilon) * gamma + beta``, per channel (Keras' order)."""
        dt = x.dtype
        inv = torch.rsqrt(var + self.epsilon)
        gamma, beta = weight(self, "gamma", dt), weight(self, "beta", dt)
        if gamma is not None:
            inv = inv * gamma
        out = (x - mean.view(shape)) * inv.view(shape)
        if beta is not None:
            out = out + beta.view(shape)
        return out

    def _masked_training(self, x, mask):
        # Keras' masked moments: the mask covers every axis but the last and is broadcast
        # over it; 1e-7 (``config.epsilon()``) guards an all-masked channel.
        keep = torch.broadcast_to(mask.unsqueeze(-1), x.shape).to(torch.bool)
        red = self._reduction_axes
        fuzz = config.epsilon()
        count = keep.to(x.dtype).sum(red, keepdim=True) + fuzz
        mean = torch.where(keep, x, 0.0).sum(red, keepdim=True) / count
        diff = torch.where(keep, x - mean, 0.0)
        var = (diff * diff).sum(red, keepdim=True) / count
        mean = mean.reshape(self._channels)
        var = var.reshape(self._channels)
        self._update_moving(mean, var)
        return self._normalize(x, mean, var, self._broadcast_shape)

    def _synchronized_training(self, x):
        # torch's recommended, differentiable and traceable collective (the older
        # torch.distributed.nn.functional.all_reduce is deprecated).
        from torch.distributed._functional_collectives import all_reduce

        xv = self._channels_second(x)
        c = self._channels
        dims = (0, *range(2, xv.dim()))
        count = xv.new_full((1,), xv.numel() // c)
        # One differentiable all-reduce of [sum x, sum x^2, count]: the gradient of the
        # global statistics flows back to every process, as in torch.nn.SyncBatchNorm.
        totals = all_reduce(
            torch.cat([xv.sum(dims), (xv * xv).sum(dims), count]), "sum", dist.group.WORLD
        )
        n = totals[2 * c :]
        mean = totals[:c] / n
        var = totals[c : 2 * c] / n - mean * mean
        self._update_moving(mean, var)
        shape = (1, c) + (1,) * (xv.dim() - 2)
        return self._restore(self._normalize(xv, mean, var, shape), x)

    def _renorm_training(self, x):
        dt = x.dtype
        c = self._channels
        xv = self._channels_second(x)
        xhat, mean, invstd = torch.native_batch_norm(
            xv, None, None, None, None, True, 0.0, self.epsilon
        )
        mean = mean.detach()
        stddev = invstd.detach().reciprocal()  # sqrt(var + epsilon)
        renorm_mean = _cast(self.renorm_mean, dt)
        renorm_stddev = _cast(self.renorm_stddev, dt)
        # The corrections r and d carry no gradient (Ioffe, 2017).
        floor = torch.clamp_min(renorm_stddev, math.sqrt(self.epsilon))
        r = stddev / floor
        d = (mean - renorm_mean) / floor
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = torch.clamp_min(r, clipping["rmin"])
        if clipping.get("rmax") is not None:
            r = torch.clamp_max(r, clipping["rmax"])
        if clipping.get("dmax") is not None:
            d = torch.clamp(d, -clipping["dmax"], clipping["dmax"])
        gamma, beta = weight(self, "gamma", dt), weight(self, "beta", dt)
        eff_gamma = r if gamma is None else r * gamma
        eff_beta = d if gamma is None else d * gamma
        if beta is not None:
            eff_beta = eff_beta + beta
        shape = (1, c) + (1,) * (xv.dim() - 2)
        out = xhat * eff_gamma.view(shape) + eff_beta.view(shape)

        k, rk = self.momentum, self.renorm_momentum
        with torch.no_grad():
            self.renorm_mean.mul_(rk).add_(mean.to(self.renorm_mean.dtype), alpha=1.0 - rk)
            self.renorm_stddev.mul_(rk).add_(stddev.to(self.renorm_stddev.dtype), alpha=1.0 - rk)
            self.moving_mean.mul_(k).add_(mean.to(self.moving_mean.dtype), alpha=1.0 - k)
            ms = self.moving_stddev
            ms.mul_(k).add_(stddev.to(ms.dtype), alpha=1.0 - k)
            # ReLU: rounding must not make the variance negative.
            self.moving_variance.copy_(torch.relu(ms * ms - self.epsilon))
        return self._restore(out, x)

    def compute_output_shape(self, input_shape):
        check_axes_in_bounds(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
