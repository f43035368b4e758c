"""Seeds, devices, threads, progress bars and the quick/full switch used by every chapter.

torch is imported inside the functions that need it, so NumPy-only code can use this module.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

QUICK_ENV = "RNNCOURSE_QUICK"
BOOK_BUILD_ENV = "RNNCOURSE_BOOK_BUILD"
THREADS_ENV = "RNNCOURSE_THREADS"

#: Hidden sizes from this one up count as large models, whose GEMMs are big enough for a
#: second thread to pay for its synchronisation.
LARGE_HIDDEN = 512


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

    In the book build (``RNNCOURSE_BOOK_BUILD=1``, set by ``make book``) it
    prints only its first and final state, so a page shows a one-line summary
    of the run instead of hundreds of refreshes. Use ``refresh=False`` with
    ``set_postfix`` so postfix updates wait for the next regular refresh.
    """
    from tqdm import tqdm

    if os.environ.get(BOOK_BUILD_ENV) == "1":
        kwargs["mininterval"] = float("inf")
    kwargs.setdefault("mininterval", 1.0)
    return tqdm(iterable, desc=desc, disable=disable, file=sys.stdout, **kwargs)


def set_threads(hidden_size: int | None = None) -> int:
    """The course's one threading policy: set the CPU threads of torch and of NumPy's BLAS.

    Small models (``hidden_size`` below :data:`LARGE_HIDDEN`, or None for NumPy-sized
    work) get one thread: their matrices are too small for a second thread to pay
    for the synchronisation, and on a busy machine threads that spin-wait on each
    other make small steps 2-300x slower. Large models get up to two threads (never
    more than this process may use). ``RNNCOURSE_THREADS=n`` overrides the choice, e.g.
    ``RNNCOURSE_THREADS=1`` on a shared machine. Returns the number of threads set.
    """
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    override = os.environ.get(THREADS_ENV)
    if override is not None:
        if not override.isdigit() or int(override) < 1:
            raise ValueError(f"{THREADS_ENV}: expected a positive integer, got {override!r}")
        threads = int(override)
    else:
        large = hidden_size is not None and hidden_size >= LARGE_HIDDEN
        threads = min(2, available) if large else 1
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    else:                                   # torch, if imported later, reads this at start-up
        os.environ["OMP_NUM_THREADS"] = str(threads)
    return threads
