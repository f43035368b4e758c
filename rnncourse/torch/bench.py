"""Time forward+backward of the LSTM speed levels against torch.nn.LSTM, in one process.

Every contender gets the same weights, input and upstream gradient; the
repetitions are interleaved (one of each, then the next round) so that noise
from other work on the machine hits them alike, and the median is kept. On
CUDA each call is bracketed by ``torch.cuda.synchronize()`` and the peak
memory of each contender is measured from before it is built to the end of
its warm-up (so level 4's captured graph is counted). Used by
``benchmarks/bench_torch_lstm.py`` and by the chapter.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch
from torch import Tensor, nn
from torch.autograd.graph import Node

from .. import reference as ref
from ..interop import params_from_torch
from .lstm_levels import FusedLSTM, HoistedLSTM, NaiveLSTM, capture_cuda_graph

BASELINE = "torch.nn.LSTM"


@dataclass
class Timing:
    """One contender at one size: median seconds per forward+backward, and derived figures."""

    name: str
    batch: int
    input_size: int
    hidden_size: int
    steps: int
    seconds: float
    ratio: float = float("nan")          # seconds / torch.nn.LSTM's seconds
    peak_mib: float | None = None        # CUDA only

    @property
    def tokens_per_s(self) -> float:
        return self.batch * self.steps / self.seconds

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tokens_per_s": self.tokens_per_s}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def set_tf32(enabled: bool) -> None:
    """Allow (or forbid) TF32 tensor cores for both cuBLAS and cuDNN, so the comparison is fair."""
    torch.backends.cuda.matmul.allow_tf32 = enabled
    torch.backends.cudnn.allow_tf32 = enabled


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo where there is one, else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: torch.device) -> dict[str, str | int | bool | None]:
    """Versions and hardware, for the header of a results table."""
    info: dict[str, str | int | bool | None] = {
        "date": date.today().isoformat(), "torch": torch.__version__,
        "numpy": np.__version__, "python": platform.python_version(),
        "device": str(device), "cpu": cpu_name(), "threads": torch.get_num_threads()}
    if device.type == "cuda":
        info.update(gpu=torch.cuda.get_device_name(device), cuda=torch.version.cuda,
                    cudnn=torch.backends.cudnn.version(),
                    tf32=torch.backends.cudnn.allow_tf32)
    return info


def _builders(input_size: int, hidden_size: int, device: torch.device, dtype: torch.dtype,
              fusers: Sequence[str], graph: bool, compiled_baseline: bool
              ) -> dict[str, Callable[[Tensor], nn.Module]]:
    """name -> function(sample_x) building that contender (weights loaded later)."""
    make: dict[str, Any] = {"device": device, "dtype": dtype}
    builders: dict[str, Callable[[Tensor], nn.Module]] = {
        BASELINE: lambda x: torch.nn.LSTM(input_size, hidden_size, **make),
        "1 naive": lambda x: NaiveLSTM(input_size, hidden_size, **make),
        "2 hoisted": lambda x: HoistedLSTM(input_size, hidden_size, **make),
    }
    for fuser in fusers:
        # a def, not a lambda: mypy cannot type a lambda with a default argument
        def build_fused(x: Tensor, fuser: str = fuser) -> nn.Module:
            return FusedLSTM(input_size, hidden_size, fuser, **make)
        builders[f"3 fused ({fuser})"] = build_fused
    if graph:
        builders[f"4 CUDA graph ({fusers[0] if fusers else 'eager'})"] = (
            lambda x: (FusedLSTM(input_size, hidden_size, fusers[0], **make) if fusers
                       else HoistedLSTM(input_size, hidden_size, **make)))
    if compiled_baseline:
        builders["torch.compile(nn.LSTM)"] = (
            # given a module, torch.compile returns one (its stubs say Callable)
            lambda x: cast(nn.Module,
                           torch.compile(torch.nn.LSTM(input_size, hidden_size, **make))))
    return builders


def time_lstm(batch: int, input_size: int, hidden_size: int, steps: int,
              device: torch.device | str | None = None, dtype: torch.dtype = torch.float32,
              fusers: Sequence[str] = ("script",), reps: int = 5, numpy: bool = True,
              graph: bool | None = None, compiled_baseline: bool = False,
              seed: int = 0) -> list[Timing]:
    """Median seconds per forward+backward for each contender; returns a list of Timing.

    Contenders: torch.nn.LSTM (cuDNN on CUDA, oneDNN on CPU), levels 1-3 (level 3
    once per fuser in ``fusers``), level 4 when ``graph`` (default: on CUDA), the
    NumPy reference (on the CPU, in ``dtype``) when ``numpy``, and
    ``torch.compile(nn.LSTM)`` when ``compiled_baseline``.
    """
    device = torch.device(device or "cpu")
    graph = device.type == "cuda" if graph is None else graph
    if graph and device.type != "cuda":
        raise ValueError(f"graph: CUDA graphs need a CUDA device, got {device}")
    if reps < 1:
        raise ValueError(f"reps: expected >= 1, got {reps}")
    torch.manual_seed(seed)
    x = torch.randn(steps, batch, input_size, device=device, dtype=dtype, requires_grad=True)
    dy = torch.randn(steps, batch, hidden_size, device=device, dtype=dtype)
    state: dict[str, Tensor] | None = None
    runs: dict[str, Callable[[], None]]
    peaks: dict[str, float]
    runs, peaks = {}, {}
    for name, build in _builders(input_size, hidden_size, device, dtype, tuple(fusers), graph,
                                 compiled_baseline).items():
        synchronize(device)
        if device.type == "cuda":
            base = torch.cuda.memory_allocated(device)
            torch.cuda.reset_peak_memory_stats(device)
        module = build(x)
        target = getattr(module, "_orig_mod", module)     # torch.compile wraps the module
        if state is None:
            state = {k: v.detach().clone() for k, v in target.state_dict().items()}
        target.load_state_dict(state)
        if name.startswith("4 "):
            module = capture_cuda_graph(module, x)
        runs[name] = _fwd_bwd(module, x, dy)
        for _ in range(2):                                # compile, profile, cuDNN autotune
            runs[name]()
        synchronize(device)
        if device.type == "cuda":
            peaks[name] = (torch.cuda.max_memory_allocated(device) - base) / 2**20
    if numpy:
        # state was set by the first contender, torch.nn.LSTM
        runs["NumPy reference (CPU)"] = _numpy_fwd_bwd(cast("dict[str, Tensor]", state), x, dy)
    medians = interleaved_medians(runs, reps, device)
    return [Timing(name, batch, input_size, hidden_size, steps, seconds,
                   seconds / medians[BASELINE], peaks.get(name))
            for name, seconds in medians.items()]


def interleaved_medians(runs: dict[str, Callable[[], None]], reps: int,
                        device: torch.device) -> dict[str, float]:
    """Median seconds of each run over ``reps`` rounds, the contenders interleaved within
    each round so that a change of machine load hits them all alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(reps):
        for name, run in runs.items():
            synchronize(device)
            start = time.perf_counter()
            run()
            synchronize(device)
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    return medians


def _fwd_bwd(module: nn.Module, x: Tensor, dy: Tensor) -> Callable[[], None]:
    def run() -> None:
        out, _ = module(x)
        out.backward(dy)
        x.grad = None
        for p in module.parameters():
            p.grad = None
    return run


def _numpy_fwd_bwd(state: Mapping[str, Tensor], x: Tensor, dy: Tensor) -> Callable[[], None]:
    """The NumPy reference's forward and hand-written backward, batch-first, on the CPU."""
    dtype = x.detach().cpu().numpy().dtype
    module = torch.nn.LSTM(x.shape[-1], dy.shape[-1])
    module.load_state_dict({k: v.cpu().float() for k, v in state.items()})
    params = {k: v.astype(dtype) for k, v in params_from_torch(module).items()}
    x_np = np.ascontiguousarray(x.detach().cpu().numpy().swapaxes(0, 1))
    dy_np = np.ascontiguousarray(dy.cpu().numpy().swapaxes(0, 1))

    def run() -> None:
        _, _, cache = ref.lstm_forward(x_np, None, None, params)
        ref.lstm_backward(dy_np, cache)
    return run


def write_results(path: Path, environment: dict[str, Any],
                  results: list[dict[str, Any]]) -> None:
    """Write a results file ({"environment", "results"}) that :func:`read_results` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"environment": environment, "results": results}, indent=1))
    print(f"\nwrote {path}")


def read_results(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[tuple[str, Timing]]]:
    """A results file written by :func:`write_results` (``benchmarks/bench_torch_lstm.py
    --json``, ``benchmarks/bench_scan.py --json``).

    Returns the environment dict and a list of (group, Timing) in file order.
    """
    with open(path, encoding="utf-8") as f:
        recorded = json.load(f)
    fields = {f.name for f in dataclasses.fields(Timing)}
    return recorded["environment"], [
        (r["group"], Timing(**{k: v for k, v in r.items() if k in fields}))
        for r in recorded["results"]]


def format_table(timings: Iterable[Timing]) -> str:
    """A plain-text table: ms per fwd+bwd, ratio to torch.nn.LSTM, tokens/s, peak MiB."""
    lines = [f"{'contender':28} {'ms':>9} {'x torch.nn':>10} {'tokens/s':>10} {'peak MiB':>9}"]
    for t in timings:
        peak = "" if t.peak_mib is None else f"{t.peak_mib:9.1f}"
        lines.append(f"{t.name:28} {t.seconds * 1e3:9.2f} {t.ratio:10.2f} "
                     f"{t.tokens_per_s:10.0f} {peak:>9}")
    return "\n".join(lines)


def lstm_flops(batch: int, input_size: int, hidden_size: int, steps: int) -> int:
    """Floating-point operations of one LSTM forward+backward, counting only the GEMMs.

    Forward: x W_ih^T over all steps, 2 T N D 4H, and h W_hh^T per step,
    2 T N H 4H. The backward does two GEMMs of the same size for each (the
    gradient of the input and of the weight), so the total is three times the
    forward: 24 T N H (D + H). The elementwise gate maths adds O(T N H), negligible.
    """
    forward = 2 * steps * batch * 4 * hidden_size * (input_size + hidden_size)
    return 3 * forward


def gemm_rate(m: int, k: int, n: int, device: torch.device | str | None = None,
              dtype: torch.dtype = torch.float32, reps: int = 10, library: str = "torch") -> float:
    """Best measured FLOP/s of an (m, k) @ (k, n) matrix product over reps.

    library="torch" times ``a @ b`` (the BLAS torch was built with, or cuBLAS);
    library="onednn" times oneDNN's matrix product, the library behind
    ``torch.nn.LSTM`` on the CPU (CPU and float32 only).
    """
    device = torch.device(device or "cpu")
    a = torch.randn(m, k, device=device, dtype=dtype)
    b = torch.randn(k, n, device=device, dtype=dtype)
    if library == "onednn":
        if device.type != "cpu" or dtype != torch.float32:
            raise ValueError(f"library='onednn': expected a float32 CPU product, got {dtype} "
                             f"on {device}")
        a_dnn, b_t_dnn = a.to_mkldnn(), b.t().contiguous().to_mkldnn()

        def product() -> Tensor:
            # a @ b, computed by oneDNN (bias is optional; torch's stub marks it required)
            return torch._C._nn.mkldnn_linear(a_dnn, b_t_dnn)  # type: ignore[call-arg]
    elif library == "torch":
        def product() -> Tensor:
            return a @ b
    else:
        raise ValueError(f"library: expected 'torch' or 'onednn', got {library!r}")
    times = []
    for _ in range(reps + 1):                       # the first run warms up and is dropped
        synchronize(device)
        start = time.perf_counter()
        product()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return 2 * m * k * n / min(times[1:])


def count_autograd_nodes(output: Tensor) -> int:
    """Number of distinct backward nodes in the graph that produced ``output``.

    Each node is one recorded operation: a fixed cost in the forward (Python,
    dispatcher, on a GPU a kernel launch) and again in the backward.
    """
    seen: set[Node] = set()
    stack: list[Node | None] = [output.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(parent for parent, _ in node.next_functions)
    return len(seen)


def tiny_op_seconds(ops: int = 200, reps: int = 5) -> float:
    """Fixed cost of one elementwise op, forward+backward, measured on a 1-element tensor."""
    x = torch.zeros(1, requires_grad=True)
    times = []
    for _ in range(reps + 1):
        start = time.perf_counter()
        y = x
        for _ in range(ops):
            y = torch.sigmoid(y)
        y.backward()
        times.append((time.perf_counter() - start) / ops)
    return min(times[1:])
