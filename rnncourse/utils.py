"""Seeds, devices and the quick/full switch used by every chapter."""

from __future__ import annotations

import os
import random
import sys

import numpy as np

QUICK_ENV = "RNNCOURSE_QUICK"
BOOK_BUILD_ENV = "RNNCOURSE_BOOK_BUILD"


def quick_mode():
    """True when ``RNNCOURSE_QUICK=1``: tests shrink training budgets; the book build does not."""
    return os.environ.get(QUICK_ENV, "0") == "1"


def budget(full, quick):
    """``full`` in the book build, ``quick`` under the test command."""
    return quick if quick_mode() else full


def seed_everything(seed):
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


def pick_device():
    """The best available torch device: CUDA, then Apple's MPS, then the CPU."""
    import torch

    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def progress(iterable, desc=None, disable=False, **kwargs):
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
