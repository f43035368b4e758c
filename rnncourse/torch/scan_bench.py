"""Time forward+backward of the scans of :func:`.scan.parallel_scan` against the step loop and
``torch.nn.GRU``, in one process.

Every contender gets the same coefficients a = sigmoid(N(0, 1)) in (0, 1), b ~ N(0, 1)
and upstream gradient; repetitions are interleaved (one of each, then the next round) and
the median is kept, as in :func:`.bench.time_lstm`, whose helpers (synchronisation, the
environment header, :class:`.bench.Timing`) this module reuses. ``Timing.ratio`` is
seconds / the loop's seconds: below 1 the scan wins. ``torch.nn.GRU`` (cuDNN on CUDA,
oneDNN on the CPU) runs a non-linear recurrence with H x 3H matrix products per step on
inputs of size H: a yardstick for what a fused sequential kernel costs, not the same sum.
Used by ``benchmarks/bench_scan.py`` and by the chapter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import Tensor

from .bench import Timing, interleaved_medians, synchronize
from .scan import METHODS, parallel_scan

LOOP = "loop"
GRU = "torch.nn.GRU"


def _scan_run(method: str, a: Tensor, b: Tensor, grad: Tensor) -> Callable[[], None]:
    def run() -> None:
        parallel_scan(a, b, method=method).backward(grad)
        a.grad = b.grad = None
    return run


def _gru_run(b: Tensor, grad: Tensor) -> Callable[[], None]:
    module = torch.nn.GRU(b.shape[-1], b.shape[-1], batch_first=True, device=b.device,
                          dtype=b.dtype)

    def run() -> None:
        out, _ = module(b)
        out.backward(grad)
        b.grad = None
        module.zero_grad(set_to_none=True)
    return run


def time_scans(batch: int, hidden: int, steps: int, device: torch.device | str | None = None,
               dtype: torch.dtype = torch.float32, methods: Sequence[str] = METHODS,
               gru: bool = True, reps: int = 3, max_seconds: float | None = None,
               seed: int = 0) -> list[Timing]:
    """Median seconds per forward+backward of each method (and ``torch.nn.GRU``) at one size.

    The loop is always timed (it is the baseline). A contender whose warm-up run takes
    longer than ``max_seconds`` is not timed further and is left out of the result, so a
    sweep can stop the slow ones at the sizes where they are hopeless.
    """
    device = torch.device(device or "cpu")
    if reps < 1:
        raise ValueError(f"reps: expected >= 1, got {reps}")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"methods: expected names from {METHODS}, got {unknown}")
    torch.manual_seed(seed)
    shape = (batch, steps, hidden)
    a = torch.sigmoid(torch.randn(shape, device=device, dtype=dtype)).requires_grad_()
    b = torch.randn(shape, device=device, dtype=dtype, requires_grad=True)
    grad = torch.randn(shape, device=device, dtype=dtype)
    candidates = {m: _scan_run(m, a, b, grad) for m in dict.fromkeys((LOOP, *methods))}
    if gru:
        candidates[GRU] = _gru_run(b, grad)
    runs: dict[str, Callable[[], None]] = {}
    for name, run in candidates.items():
        for _ in range(2 if device.type == "cuda" else 1):      # warm-up (cuDNN autotune)
            synchronize(device)
            start = time.perf_counter()
            run()
            synchronize(device)
        if name == LOOP or max_seconds is None or time.perf_counter() - start <= max_seconds:
            runs[name] = run
    medians = interleaved_medians(runs, reps, device)
    return [Timing(name, batch, hidden, hidden, steps, seconds, seconds / medians[LOOP])
            for name, seconds in medians.items()]


def speedup_table(timings: Iterable[Timing]) -> str:
    """A plain-text table: ms per forward+backward and the speed-up over the loop (loop / it)."""
    lines = [f"{'B':>3} {'H':>4} {'T':>6}  {'contender':14} {'ms':>10} {'x loop':>8}"]
    for t in timings:
        lines.append(f"{t.batch:3} {t.hidden_size:4} {t.steps:6}  {t.name:14} "
                     f"{t.seconds * 1e3:10.2f} {1 / t.ratio:8.2f}")
    return "\n".join(lines)
