"""Seeds, devices, threads, progress bars and the quick/full switch used by every chapter.

torch is imported inside the functions that need it, so NumPy-only code can use this module.
"""

from __future__ import annotations

import io
import os
import random
import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
from tqdm import tqdm

QUICK_ENV = "RNNCOURSE_QUICK"
BOOK_BUILD_ENV = "RNNCOURSE_BOOK_BUILD"
THREADS_ENV = "RNNCOURSE_THREADS"

#: Models below this many hidden units always run on one thread: their matrices are too
#: small for a second thread to pay for its synchronisation.
SMALL_HIDDEN = 64
#: The most threads the policy gives: small recurrent models gain little beyond this.
MAX_THREADS = 4


def quick_mode() -> bool:
    """True when ``RNNCOURSE_QUICK=1``: tests shrink training budgets; the book build does not."""
    return os.environ.get(QUICK_ENV, "0") == "1"


def budget(full: Any, quick: Any) -> Any:
    """``full`` in the book build, ``quick`` under the test command."""
    return quick if quick_mode() else full


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and (if installed) torch; return a NumPy Generator with that seed."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)
    return np.random.default_rng(seed)


def pick_device() -> Any:
    """The best available torch device: CUDA, then Apple's MPS, then the CPU."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def progress(iterable: Iterable[Any], desc: str | None = None, disable: bool = False,
             **kwargs: Any) -> Any:
    """A tqdm progress bar on stdout.

    In the book build (``RNNCOURSE_BOOK_BUILD=1``, set by ``make book``) it draws
    nothing while it runs and prints one line, its final state, when it closes: a
    page shows a one-line summary of the run instead of refreshes (which a static
    page would show one above the other). Use ``refresh=False`` with
    ``set_postfix`` so postfix updates wait for the next regular refresh.
    """
    if os.environ.get(BOOK_BUILD_ENV) == "1":
        return _FinalLineBar(iterable, desc=desc, disable=disable, **kwargs)
    kwargs.setdefault("mininterval", 1.0)
    return tqdm(iterable, desc=desc, disable=disable, file=sys.stdout, **kwargs)


class _FinalLineBar(tqdm):
    """A tqdm bar that draws into a buffer and prints only its final line, on closing."""

    def __init__(self, iterable: Iterable[Any], **kwargs: Any) -> None:
        self._summary_due = False
        kwargs.update(file=io.StringIO(), mininterval=float("inf"), ascii=False)
        super().__init__(iterable, **kwargs)
        self._summary_due = not self.disable

    def close(self) -> None:
        if self._summary_due:
            self._summary_due = False
            print(self, file=sys.stdout, flush=True)
        super().close()


def set_threads(hidden_size: int | None = None, processes: int = 1) -> int:
    """The course's one threading policy: set the CPU threads of torch and of NumPy's BLAS.

    A model with fewer than :data:`SMALL_HIDDEN` hidden units gets one thread. Any
    other work gets one thread per CPU core that is idle right now (measured over a
    quarter of a second, at most :data:`MAX_THREADS`): on an idle two-core machine a
    recurrent training step runs 1.5-2x faster on two threads, but when another
    process keeps a core busy, threads that wait on each other make it several times
    slower than one thread would. ``processes`` processes that run side by side (data-
    parallel training) share the idle cores. ``RNNCOURSE_THREADS=n`` overrides the
    choice. Returns the number of threads set.
    """
    override = os.environ.get(THREADS_ENV)
    if override is not None:
        if not override.isdigit() or int(override) < 1:
            raise ValueError(f"{THREADS_ENV}: expected a positive integer, got {override!r}")
        threads = int(override)
    elif hidden_size is not None and hidden_size < SMALL_HIDDEN:
        threads = 1
    else:
        threads = max(1, min(MAX_THREADS, round(idle_cores() / processes)))
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    else:                                   # torch, if imported later, reads this at start-up
        os.environ["OMP_NUM_THREADS"] = str(threads)
    return threads


def idle_cores(seconds: float = 0.25) -> float:
    """How many of the CPU cores this process may use were idle over the next ``seconds``.

    Reads the machine's CPU time counters (``/proc/stat``, Linux) before and after; where
    they are not available it assumes every usable core is idle.
    """
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    try:
        before = _cpu_ticks()
        time.sleep(seconds)
        after = _cpu_ticks()
    except OSError:
        return float(usable)
    total, idle = after[0] - before[0], after[1] - before[1]
    machine = os.cpu_count() or usable
    return min(float(usable), machine * idle / total) if total > 0 else float(usable)


def _cpu_ticks() -> tuple[int, int]:
    """(all, idle) CPU time in clock ticks since boot, summed over the machine's cores."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:9]]
    return sum(fields), fields[3] + fields[4]              # idle + iowait
