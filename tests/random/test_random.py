"""``kshim.random``: distributions, seeding, devices and ``torch.compile``."""

from __future__ import annotations

import math

import pytest
import torch

from kshim import random

N = 100_000


# ------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("seed", [None, 3, "generator"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_normal_statistics(seed, dtype):
    seed = random.SeedGenerator(5) if seed == "generator" else seed
    x = random.normal((N,), mean=2.0, stddev=3.0, dtype=dtype, seed=seed)
    assert x.dtype == getattr(torch, dtype) and x.shape == (N,)
    x = x.double()
    assert abs(x.mean() - 2.0) < 0.05
    assert abs(x.std() - 3.0) < 0.05
    # Fourth moment of a normal: 3 sigma^4 (checks the tails, not only the spread).
    z = (x - 2.0) / 3.0
    assert abs((z**4).mean() - 3.0) < 0.15


@pytest.mark.parametrize("seed", [None, 7, "generator"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_uniform_statistics_and_bounds(seed, dtype):
    seed = random.SeedGenerator(1) if seed == "generator" else seed
    x = random.uniform((N,), minval=-1.0, maxval=3.0, dtype=dtype, seed=seed)
    assert x.dtype == getattr(torch, dtype)
    assert bool((x >= -1).all()) and bool((x < 3).all())
    x = x.double()
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.var() - 16 / 12) < 0.03
    counts = torch.histc(x.float(), bins=8, min=-1, max=3)
    assert bool((counts - N / 8).abs().max() < 0.04 * N / 8)


@pytest.mark.parametrize("seed", [None, 11])
def test_truncated_normal(seed):
    x = random.truncated_normal((N,), mean=1.0, stddev=2.0, seed=seed).double()
    assert bool(((x - 1.0).abs() < 4.0).all())
    # Moments of a standard normal truncated to [-2, 2].
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    var = 1 - 4 * phi2 / math.erf(math.sqrt(2))
    assert abs(x.mean() - 1.0) < 0.02
    assert abs(x.var() - 4 * var) < 0.03


@pytest.mark.parametrize("seed", [None, 2])
def test_randint(seed):
    x = random.randint((N,), -3, 5, seed=seed)
    assert x.dtype == torch.int32
    assert x.min() == -3 and x.max() == 4
    counts = torch.bincount((x + 3).long(), minlength=8).double()
    assert bool(((counts - N / 8).abs() < 0.04 * N / 8).all())
    wide = random.randint((1000,), 0, 2**40, dtype="int64", seed=seed)
    assert wide.dtype == torch.int64 and wide.max() > 2**32


@pytest.mark.parametrize("seed", [None, 4])
def test_categorical_frequencies(seed):
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))
    x = random.categorical(logits, 20_000, seed=seed)
    assert x.shape == (2, 20_000) and x.dtype == torch.int32
    freq = torch.stack([torch.bincount(row.long(), minlength=3) for row in x]).double() / 20_000
    assert torch.allclose(freq, logits.exp().double(), atol=0.015)


def test_gamma_beta_binomial():
    g = random.gamma((N,), alpha=3.0, seed=1).double()
    assert abs(g.mean() - 3.0) < 0.05 and abs(g.var() - 3.0) < 0.1
    small = random.gamma((N,), alpha=0.5).double()
    assert abs(small.mean() - 0.5) < 0.02
    b = random.beta((N,), alpha=2.0, beta=3.0, seed=2).double()
    assert bool(((b > 0) & (b < 1)).all()) and abs(b.mean() - 0.4) < 0.01
    n = random.binomial((N,), counts=10, probabilities=0.3, seed=3).double()
    assert abs(n.mean() - 3.0) < 0.03 and abs(n.var() - 2.1) < 0.05
    assert random.gamma((2,), 1.0, dtype="float64").dtype == torch.float64


# ------------------------------------------------------------------------------- seeding
FUNCTIONS = {
    "normal": lambda seed: random.normal((64,), seed=seed),
    "uniform": lambda seed: random.uniform((64,), seed=seed),
    "truncated_normal": lambda seed: random.truncated_normal((64,), seed=seed),
    "randint": lambda seed: random.randint((64,), 0, 1000, seed=seed),
    "categorical": lambda seed: random.categorical(torch.zeros(4, 16), 8, seed=seed),
    "dropout": lambda seed: random.dropout(torch.ones(64), 0.5, seed=seed),
    "shuffle": lambda seed: random.shuffle(torch.arange(64), seed=seed),
    "gamma": lambda seed: random.gamma((64,), 2.0, seed=seed),
    "beta": lambda seed: random.beta((64,), 2.0, 2.0, seed=seed),
    "binomial": lambda seed: random.binomial((64,), 20, 0.5, seed=seed),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_int_seed_is_a_fixed_stream(name):
    draw = FUNCTIONS[name]
    assert torch.equal(draw(42), draw(42))
    assert not torch.equal(draw(42), draw(43))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_seed_generator_advances_reproducibly(name):
    draw = FUNCTIONS[name]
    gen = random.SeedGenerator(123)
    first, second = draw(gen), draw(gen)
    assert not torch.equal(first, second)
    again = random.SeedGenerator(123)
    assert torch.equal(draw(again), first) and torch.equal(draw(again), second)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_unseeded_draws_follow_torch_manual_seed(name):
    draw = FUNCTIONS[name]
    torch.manual_seed(0)
    a = draw(None)
    torch.manual_seed(0)
    assert torch.equal(draw(None), a)
    assert not torch.equal(draw(None), a)


def test_unseeded_seed_generator_follows_torch_manual_seed():
    torch.manual_seed(5)
    a = random.normal((8,), seed=random.SeedGenerator())
    torch.manual_seed(5)
    assert torch.equal(random.normal((8,), seed=random.SeedGenerator()), a)


def test_seed_generator_works_in_and_out_of_inference_mode():
    gen = random.SeedGenerator(1)
    with torch.inference_mode():
        made_inside = random.SeedGenerator(2)
        first = random.normal((2,), seed=gen)
    assert not torch.equal(random.normal((2,), seed=gen), first)
    assert random.normal((2,), seed=made_inside).shape == (2,)


def test_seeded_streams_are_independent():
    gen = random.SeedGenerator(0)
    draws = torch.stack([random.uniform((4096,), seed=gen) for _ in range(8)])
    corr = torch.corrcoef(draws)
    off_diagonal = corr - torch.eye(8)
    assert off_diagonal.abs().max() < 0.08
    # Neighbouring int seeds are unrelated too.
    a, b = random.uniform((4096,), seed=1), random.uniform((4096,), seed=2)
    assert abs(torch.corrcoef(torch.stack([a, b]))[0, 1]) < 0.08


def test_seed_generator_config_and_errors():
    gen = random.SeedGenerator(7, name="gen")
    assert gen.get_config() == {"seed": 7, "name": "gen"}
    clone = random.SeedGenerator.from_config(gen.get_config())
    assert torch.equal(random.normal((3,), seed=clone), random.normal((3,), seed=gen))
    assert random.SeedGenerator().get_config()["seed"] is None
    assert random.SeedGenerator(2**32 + 5).state.dtype == torch.int32
    state = gen.state.clone()
    gen.next(ordered=False)
    assert not torch.equal(gen.state, state)
    with pytest.raises(ValueError, match="must be an integer"):
        random.SeedGenerator("x")
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        random.SeedGenerator(1, foo=2)
    with pytest.raises(ValueError, match="SeedGenerator"):
        random.normal((2,), seed=1.5)
    with pytest.raises(ValueError, match="floating point"):
        random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer"):
        random.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match="2-D"):
        random.categorical(torch.zeros(3), 2)


def test_seeded_values_do_not_depend_on_the_device():
    cpu = random.normal((16,), seed=9)
    with torch.device("meta"):
        meta = random.normal((16,), seed=9)
    assert meta.device.type == "meta" and meta.shape == cpu.shape


# --------------------------------------------------------------------------------- dropout
@pytest.mark.parametrize("seed", [None, 1, "generator", "unseeded_generator"])
def test_dropout_scaling(seed):
    seed = {
        "generator": random.SeedGenerator(3),
        "unseeded_generator": random.SeedGenerator(),
    }.get(seed, seed)
    x = torch.rand(400, 500) + 0.5
    y = random.dropout(x, 0.3, seed=seed)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / 0.7)
    assert abs(kept.double().mean() - 0.7) < 0.01
    assert y.dtype == x.dtype


@pytest.mark.parametrize("seed", [None, 8])
def test_dropout_noise_shape_broadcasts(seed):
    x = torch.ones(6, 50, 40)
    y = random.dropout(x, 0.5, noise_shape=(None, 1, 40), seed=seed)
    mask = y != 0
    assert bool((mask == mask[:, :1, :]).all())  # constant along the broadcast axis
    assert 0.3 < mask.double().mean() < 0.7
    assert set(y.unique().tolist()) <= {0.0, 2.0}
    z = random.dropout(x, 0.5, noise_shape=(6, 1, 1), seed=seed)
    assert bool(((z == 0) == (z[:, :1, :1] == 0)).all())


def test_dropout_edge_rates_and_gradients():
    x = torch.randn(5, 5, requires_grad=True)
    assert random.dropout(x, 0.0) is x
    assert bool((random.dropout(x, 1.0) == 0).all())
    y = random.dropout(x, 0.5, seed=2)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y != 0).float() * 2.0)


def test_shuffle_permutes_along_axis():
    x = torch.arange(60).reshape(3, 20)
    y = random.shuffle(x, axis=1, seed=1)
    assert torch.equal(y.sort(dim=1).values, x)
    assert torch.equal(y - y[:, :1], x[:, y[0]] - x[:, y[0]][:, :1])  # same permutation
    assert not torch.equal(y, x)
    assert torch.equal(random.shuffle(x, seed=2).sort(dim=0).values, x)


# ------------------------------------------------------------------------ devices, compile
META_DRAWS = {
    "normal": lambda s: random.normal((2, 3), seed=s),
    "uniform": lambda s: random.uniform((2, 3), seed=s),
    "truncated_normal": lambda s: random.truncated_normal((2, 3), seed=s),
    "randint": lambda s: random.randint((2, 3), 0, 4, seed=s),
    "gamma": lambda s: random.gamma((2, 3), 2.0, seed=s),
    "beta": lambda s: random.beta((2, 3), 2.0, 2.0, seed=s),
    "binomial": lambda s: random.binomial((2, 3), 4, 0.5, seed=s),
}


@pytest.mark.parametrize("seed", [None, 1, "generator"])
@pytest.mark.parametrize("name", sorted(META_DRAWS))
def test_meta_device_draws(name, seed):
    seed = random.SeedGenerator(1) if seed == "generator" else seed
    with torch.device("meta"):
        out = META_DRAWS[name](seed)
    assert out.device.type == "meta" and out.shape == (2, 3)


@pytest.mark.parametrize("seed", [None, 1, "generator"])
def test_input_device_is_followed(seed):
    seed = random.SeedGenerator(1) if seed == "generator" else seed
    x = torch.ones(4, 5, device="meta")
    assert random.dropout(x, 0.5, seed=seed).device.type == "meta"
    assert random.dropout(x, 0.5, noise_shape=(4, 1), seed=seed).device.type == "meta"
    assert random.shuffle(x, seed=seed).device.type == "meta"
    assert random.categorical(x, 3, seed=seed).shape == (4, 3)


def _compile(fn):
    return torch.compile(fn, fullgraph=True, backend="aot_eager")


def test_unseeded_dropout_compiles_without_graph_breaks():
    def fn(x):
        return random.dropout(x, 0.25), random.dropout(x, 0.5, noise_shape=(None, 1))

    compiled = _compile(fn)
    x = torch.ones(64, 32)
    a, b = compiled(x)
    assert set(a.unique().tolist()) <= {0.0, torch.tensor(4.0 / 3.0).item()}
    assert bool(((b == 0) == (b[:, :1] == 0)).all())
    torch.manual_seed(0)
    first = compiled(x)[0]
    torch.manual_seed(0)
    assert torch.equal(compiled(x)[0], first)


def test_seeded_draws_compile_and_match_eager():
    def fn(x, gen):
        return (
            random.normal((8,), seed=gen),
            random.uniform((8,), seed=3),
            random.truncated_normal((8,), seed=gen),
            random.randint((8,), 0, 9, seed=gen),
            random.dropout(x, 0.5, seed=gen),
            random.categorical(torch.zeros(2, 5), 4, seed=gen),
            random.shuffle(x, seed=gen),
            random.normal((8,)),
        )

    compiled = _compile(fn)
    x = torch.arange(12.0).reshape(6, 2)
    gen_c, gen_e = random.SeedGenerator(10), random.SeedGenerator(10)
    for _ in range(2):  # the generator state advances across compiled calls
        got, expected = compiled(x, gen_c), fn(x, gen_e)
        for g, e in zip(got[:-1], expected[:-1], strict=True):
            torch.testing.assert_close(g, e)
    assert torch.equal(gen_c.state, gen_e.state)


def test_signatures_match_keras(keras):
    import inspect

    for name in (
        "normal",
        "uniform",
        "truncated_normal",
        "randint",
        "categorical",
        "dropout",
        "shuffle",
        "gamma",
        "binomial",
        "beta",
        "SeedGenerator",
    ):
        ours = list(inspect.signature(getattr(random, name)).parameters.values())
        theirs = inspect.signature(getattr(keras.random, name)).parameters.values()
        # kshim's one addition: a keyword-only ``device=None`` after Keras' parameters.
        if ours and ours[-1].name == "device":
            assert ours[-1].kind is inspect.Parameter.KEYWORD_ONLY and ours[-1].default is None
            ours = ours[:-1]
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]


@pytest.mark.parametrize("fn", ["normal", "uniform", "truncated_normal"])
@pytest.mark.parametrize("seed", [None, 3])
def test_draws_on_the_requested_device(fn, seed):
    from kshim import random as krandom

    x = getattr(krandom, fn)((4, 2), seed=seed, device="meta")
    assert x.device.type == "meta" and x.shape == (4, 2)
    if seed is not None:  # the same stream wherever it is drawn
        a = getattr(krandom, fn)((4, 2), seed=seed, device="cpu")
        torch.testing.assert_close(a, getattr(krandom, fn)((4, 2), seed=seed))
