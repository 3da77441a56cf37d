"""Data-parallel training of kshim models: DDP and FSDP2, gloo, two CPU processes.

What is compared (see ``test_ddp_*``):

* Dense-only model: two ranks, each on half the batch, end with exactly the weights of
  one process training on the whole batch (the mean loss over the batch is the mean of the
  two half-batch losses, and DDP averages gradients).
* Dense + BatchNormalization: each rank normalizes with its own half-batch statistics
  (kshim's BatchNormalization is not torch's, so ``SyncBatchNorm`` does not apply), so the
  one-process reference runs the two halves as separate forward passes, averages their
  losses, and keeps the moving statistics of half 0 only: DDP broadcasts buffers from
  rank 0 at every forward, so rank 0's moving statistics only ever see rank 0's data.
  Parameters match on both ranks; moving statistics differ between ranks after the last
  step (each rank updated them from its own half), and one more DDP forward makes every
  rank's buffers rank 0's again, which is torch's DDP buffer behaviour.
* FSDP2 (``fully_shard`` per layer and on the model): a forward and backward of the Dense
  model and of an LSTM model match one process. FSDP2 refuses non-contiguous parameters,
  so this also keeps the recurrent weights plain contiguous tensors.
"""

import datetime
import os
import shutil
import tempfile
import time

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

pytestmark = pytest.mark.distributed

if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with the gloo backend is not available", allow_module_level=True)

WORLD = 2
STEPS = 3
BATCH = 8
LR = 0.1
TIMEOUT = 60.0  # a hung rendezvous must not hang the suite


# ---------------------------------------------------------------------- models and data


def _has(*names):
    from kshim import layers as L

    return all(hasattr(L, n) for n in names)


def _make_model(with_bn):
    import kshim
    from kshim import layers as L

    torch.manual_seed(0)
    stack = [kshim.Input((6,)), L.Dense(8)]
    if with_bn:
        # momentum 0.5: the moving statistics move visibly in three steps.
        stack.append(L.BatchNormalization(momentum=0.5))
    stack += [L.Activation("relu"), L.Dense(3)]
    return kshim.Sequential(stack)


def _make_lstm_model():
    """FSDP2 shards every parameter along its first axis and refuses non-contiguous ones:
    recurrent layers' weights must stay plain contiguous tensors."""
    import kshim
    from kshim import layers as L

    torch.manual_seed(0)
    return kshim.Sequential([kshim.Input((2, 3)), L.LSTM(4), L.Dense(3)])


FSDP_MODELS = {"dense": (lambda: _make_model(False), (6,)), "lstm": (_make_lstm_model, (2, 3))}


def _batches():
    g = torch.Generator().manual_seed(1)
    return [
        (torch.randn(BATCH, 6, generator=g), torch.randn(BATCH, 3, generator=g))
        for _ in range(STEPS)
    ]


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _reference(with_bn):
    """One process, the whole batch (halves as separate forwards when there is BN)."""
    model = _make_model(with_bn)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    for x, y in _batches():
        opt.zero_grad()
        if with_bn:
            halves = list(zip(x.chunk(WORLD), y.chunk(WORLD)))
            # Half 1 first, then undo its moving-statistics update: only rank 0's
            # statistics survive DDP's buffer broadcast. (The undo waits for the backward:
            # batch_norm's autograd node keeps the running statistics it was given.)
            saved = {k: b.detach().clone() for k, b in model.named_buffers()}
            loss1 = torch.nn.functional.mse_loss(model(halves[1][0]), halves[1][1])
            (loss1 / WORLD).backward()
            with torch.no_grad():
                for k, b in model.named_buffers():
                    b.copy_(saved[k])
            loss0 = torch.nn.functional.mse_loss(model(halves[0][0]), halves[0][1])
            (loss0 / WORLD).backward()
        else:
            torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    return _state(model)


# ---------------------------------------------------------------------- workers


def _init(rank, init_method):
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        init_method=init_method,
        rank=rank,
        world_size=WORLD,
        timeout=datetime.timedelta(seconds=TIMEOUT),
    )


def _shutdown():
    # Every rank reaches here before any tears the group down: a rank that destroys the
    # group while its peer still talks to it can abort the peer's gloo threads.
    try:
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _ddp_worker(rank, init_method, out_dir, cases):
    from torch.nn.parallel import DistributedDataParallel as DDP

    _init(rank, init_method)
    try:
        for with_bn in cases:
            model = _make_model(with_bn)
            model.train()
            ddp = DDP(model)  # broadcast_buffers=True: torch's default
            opt = torch.optim.SGD(ddp.parameters(), lr=LR)
            for x, y in _batches():
                opt.zero_grad()
                out = ddp(x.chunk(WORLD)[rank])
                torch.nn.functional.mse_loss(out, y.chunk(WORLD)[rank]).backward()
                opt.step()
            after_training = _state(model)
            # One more forward (inference: no statistics update) syncs buffers from rank 0.
            model.eval()
            ddp(torch.zeros(1, 6))
            torch.save(
                {"after_training": after_training, "after_sync": _state(model)},
                os.path.join(out_dir, f"ddp_bn{int(with_bn)}_rank{rank}.pt"),
            )
    finally:
        _shutdown()


def _fsdp_worker(rank, init_method, out_dir):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    _init(rank, init_method)
    try:
        mesh = init_device_mesh("cpu", (WORLD,))
        for kind, (make, shape) in FSDP_MODELS.items():
            model = make()
            for layer in model.layers:
                if list(layer.parameters()):
                    fully_shard(layer, mesh=mesh)
            fully_shard(model, mesh=mesh)
            sharded = {n: type(p).__name__ for n, p in model.named_parameters()}
            x, y = _batches()[0]
            out = model(x.view(-1, *shape).chunk(WORLD)[rank])
            torch.nn.functional.mse_loss(out, y.chunk(WORLD)[rank]).backward()
            grads = {n: p.grad.full_tensor().detach().clone() for n, p in model.named_parameters()}
            torch.save(
                {"out": out.detach().clone(), "grads": grads, "param_types": sharded},
                os.path.join(out_dir, f"fsdp_{kind}_rank{rank}.pt"),
            )
    finally:
        _shutdown()


def _run(fn, *args):
    """Spawns WORLD ranks of ``fn(rank, init_method, out_dir, *args)``; returns the files
    they saved, loaded, by name.

    Joined with a deadline; on failure or timeout every rank still alive is killed."""
    out_dir = tempfile.mkdtemp(prefix="kshim_dist_")
    try:
        init_method = "file://" + os.path.join(out_dir, "rendezvous")
        ctx = mp.start_processes(
            fn, args=(init_method, out_dir, *args), nprocs=WORLD, join=False, start_method="spawn"
        )
        deadline = time.monotonic() + TIMEOUT
        try:
            while not ctx.join(timeout=1.0):
                if time.monotonic() > deadline:
                    pytest.fail(f"distributed workers did not finish within {TIMEOUT:.0f} s")
        finally:
            for p in ctx.processes:
                if p.is_alive():
                    p.terminate()
                    p.join(5)
                    if p.is_alive():
                        p.kill()
                        p.join(5)
            assert not any(p.is_alive() for p in ctx.processes)
        return {
            name: torch.load(os.path.join(out_dir, name), weights_only=True)
            for name in os.listdir(out_dir)
            if name.endswith(".pt")
        }
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


def _assert_states_close(actual, expected, keys=None):
    keys = list(expected) if keys is None else keys
    assert set(actual) == set(expected)
    for k in keys:
        torch.testing.assert_close(actual[k], expected[k], rtol=0, atol=1e-5, msg=k)


# ---------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def ddp_results():
    cases = [False] + ([True] if _has("BatchNormalization") else [])
    files = _run(_ddp_worker, cases)
    return {
        with_bn: [files[f"ddp_bn{int(with_bn)}_rank{r}.pt"] for r in range(WORLD)]
        for with_bn in cases
    }


def test_ddp_dense_matches_one_process_on_the_whole_batch(ddp_results):
    expected = _reference(with_bn=False)
    for result in ddp_results[False]:
        _assert_states_close(result["after_training"], expected)
    # The weights moved: the comparison is not between two untouched initializations.
    assert not torch.allclose(expected["dense.kernel"], _state(_make_model(False))["dense.kernel"])


def test_ddp_batch_normalization_buffers_follow_rank_0(ddp_results):
    if True not in ddp_results:
        pytest.skip("kshim.layers has no BatchNormalization yet")
    expected = _reference(with_bn=True)
    rank0, rank1 = ddp_results[True]
    buffers = ["batch_normalization.moving_mean", "batch_normalization.moving_variance"]
    params = [k for k in expected if k not in buffers]
    assert set(buffers) <= set(expected), sorted(expected)
    # Parameters: equal on both ranks and to the reference (gradients are all-reduced).
    _assert_states_close(rank0["after_training"], expected)
    _assert_states_close(rank1["after_training"], expected, keys=params)
    # Moving statistics: each rank updated its own from its own half in the last step...
    for k in buffers:
        assert not torch.allclose(rank1["after_training"][k], expected[k], atol=1e-5), k
    # ...and the next DDP forward broadcasts rank 0's to every rank.
    for result in (rank0, rank1):
        _assert_states_close(result["after_sync"], expected)


def test_fsdp2_forward_and_backward_match_one_process():
    try:
        from torch.distributed.fsdp import fully_shard  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"this torch has no FSDP2 (torch.distributed.fsdp.fully_shard): {exc}")
    files = _run(_fsdp_worker)
    assert set(files) == {f"fsdp_{k}_rank{r}.pt" for k in FSDP_MODELS for r in range(WORLD)}
    for kind, (make, shape) in FSDP_MODELS.items():
        results = [files[f"fsdp_{kind}_rank{r}.pt"] for r in range(WORLD)]
        for result in results:
            assert set(result["param_types"].values()) == {"DTensor"}, result["param_types"]
        # Reference: one process, both halves; gradients of the mean of the half-batch
        # losses.
        model = make()
        x, y = _batches()[0]
        x = x.view(-1, *shape)
        losses = []
        for rank in range(WORLD):
            out = model(x.chunk(WORLD)[rank])
            torch.testing.assert_close(results[rank]["out"], out.detach(), rtol=0, atol=1e-6)
            losses.append(torch.nn.functional.mse_loss(out, y.chunk(WORLD)[rank]))
        (sum(losses) / WORLD).backward()
        for rank in range(WORLD):
            grads = results[rank]["grads"]
            assert set(grads) == {n for n, _ in model.named_parameters()}
            for n, p in model.named_parameters():
                torch.testing.assert_close(grads[n], p.grad, rtol=0, atol=1e-6, msg=f"{kind}: {n}")
