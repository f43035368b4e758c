"""Data-parallel training with ``torch.distributed``: several processes, each reading its own
lanes of the global batch, with ``DistributedDataParallel`` averaging the gradients.

The processes find each other through torchrun's environment variables (``RANK``,
``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), which
:func:`process_group` reads. Two ways to start them:

- on one machine, :func:`spawn` (``rnncourse train --nproc N``) starts N local processes
  with those variables set, meeting on a free port of 127.0.0.1;
- on several machines, torchrun sets them, as the PyTorch docs launch it, on every node:
  ``torchrun --nnodes M --node_rank K --nproc_per_node N --master_addr HOST
  --master_port PORT -m rnncourse train ...``.

The backend is gloo on the CPU and NCCL on CUDA, with one GPU per process.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ..utils import set_threads

LOOPBACK = "127.0.0.1"


def launched_world_size() -> int:
    """The number of processes a launcher such as torchrun started (``WORLD_SIZE``; 1 if unset)."""
    value = os.environ.get("WORLD_SIZE", "1")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"WORLD_SIZE: expected a positive integer, got {value!r}")
    return int(value)


def world() -> tuple[int, int]:
    """(rank, world size) of this process in its process group; (0, 1) outside one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def lane_slice(batch_size: int, world_size: int, rank: int) -> slice:
    """The lanes (rows of the global (batch_size, T) batch) that process ``rank`` reads.

    Rank r of N reads lanes r*B/N .. (r+1)*B/N - 1. A recurrent model is split across
    lanes, never along time: each lane's state carries from one chunk to the next, so a
    lane stays with one process. Equal shares also make DDP's average over processes of
    each process's mean loss equal to the mean over all lanes, the single-process loss.
    """
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"expected 0 <= rank < world_size, got rank={rank} and "
                         f"world_size={world_size}")
    if batch_size % world_size:
        raise ValueError(f"batch size {batch_size}: expected a multiple of the {world_size} "
                         f"processes, so that each reads the same number of lanes")
    share = batch_size // world_size
    return slice(rank * share, (rank + 1) * share)


def data_parallel(model: nn.Module) -> nn.Module:
    """``model`` wrapped in ``DistributedDataParallel`` inside a process group, else itself.

    DDP starts every process from rank 0's weights and, during ``backward``, replaces
    each gradient with its average over the processes, so every optimiser step is the
    same everywhere.
    """
    if world()[1] == 1:
        return model
    device = next(model.parameters()).device
    return DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)


@contextmanager
def process_group(device: str | torch.device) -> Iterator[torch.device]:
    """Join the process group that torchrun's environment variables describe; yield the device
    this process computes on.

    With ``WORLD_SIZE`` unset or 1 it does nothing and yields ``device``. Otherwise it
    uses gloo on the CPU, or NCCL on CUDA with process ``LOCAL_RANK`` on GPU ``LOCAL_RANK``,
    shares the idle CPU cores among the processes of this machine
    (:func:`rnncourse.utils.set_threads`), and leaves the group on exit.
    """
    device = torch.device(device)
    world_size = launched_world_size()
    if world_size == 1:
        yield device
        return
    missing = [name for name in ("RANK", "MASTER_ADDR", "MASTER_PORT") if name not in os.environ]
    if missing:
        raise ValueError(f"WORLD_SIZE={world_size}: expected torchrun's variables {missing} "
                         f"to be set as well")
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise ValueError(f"LOCAL_RANK={local_rank}: expected one CUDA device per process, "
                             f"found {torch.cuda.device_count()}")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", rank=rank, world_size=world_size, device_id=device)
    elif device.type == "cpu":
        dist.init_process_group("gloo", rank=rank, world_size=world_size)
    else:
        raise ValueError(f"device: data-parallel training runs on 'cpu' (gloo) or 'cuda' "
                         f"(NCCL), got {str(device)!r}")
    set_threads(processes=int(os.environ.get("LOCAL_WORLD_SIZE", world_size)))
    try:
        yield device
        dist.barrier()                      # nobody leaves while another still needs the group
    finally:
        dist.destroy_process_group()


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that is free on ``host`` now (the system picks one when binding to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def spawn(fn: Callable[..., object], nproc: int, *args: Any) -> None:
    """Run ``fn(*args)`` in ``nproc`` new local processes, started as torchrun would start them.

    Process r gets ``RANK=LOCAL_RANK=r``, ``WORLD_SIZE=nproc`` and a free port on
    127.0.0.1, so ``fn`` joins the group with :func:`process_group`. ``fn`` and ``args``
    must be picklable (``fn`` a module-level function). Returns when every process has
    finished; raises if one failed.
    """
    if nproc < 1:
        raise ValueError(f"nproc: expected at least one process, got {nproc}")
    mp.spawn(_run_as_rank, args=(nproc, free_port(), fn, args), nprocs=nproc, join=True)


def _run_as_rank(rank: int, world_size: int, port: int, fn: Callable[..., object],
                 args: tuple[Any, ...]) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world_size),
                      LOCAL_WORLD_SIZE=str(world_size), MASTER_ADDR=LOOPBACK,
                      MASTER_PORT=str(port))
    fn(*args)
