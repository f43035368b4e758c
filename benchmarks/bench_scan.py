"""Time forward+backward of the step loop, the parallel scans and torch.nn.GRU, in one process.

Two sweeps: over T at one batch and width (default B=1, H=64, T = 64 ... 16384), and over
B*H at one length (default T=4096). The script prints median ms per forward+backward and
the speed-up over the loop measured in the same run. On the CPU it runs on one thread
(set before any work), so the figures do not depend on what else the machine is doing
with its other cores.

    python benchmarks/bench_scan.py                                # CPU, both sweeps
    python benchmarks/bench_scan.py --device cuda --json benchmarks/results/scan_gpu.json
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import torch

from rnncourse.torch.bench import environment, set_tf32, write_results
from rnncourse.torch.scan import METHODS
from rnncourse.torch.scan_bench import speedup_table, time_scans
from rnncourse.utils import seed_everything

SWEEP_T = (64, 256, 1024, 4096, 16384)
SWEEP_BH = ((1, 64), (4, 64), (16, 64), (16, 256), (64, 256))


def batch_by_hidden(text):
    """'16x256' -> (16, 256)."""
    batch, _, hidden = text.partition("x")
    return int(batch), int(hidden)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps (default cpu)")
    parser.add_argument("--batch", type=int, default=1, help="B of the T sweep")
    parser.add_argument("--hidden", type=int, default=64, help="H of the T sweep")
    parser.add_argument("--sweep-t", nargs="*", type=int, default=list(SWEEP_T))
    parser.add_argument("--steps", type=int, default=4096, help="T of the B*H sweep")
    parser.add_argument("--sweep-bh", nargs="*", type=batch_by_hidden,
                        default=list(SWEEP_BH), help="BxH pairs, e.g. 16x256")
    parser.add_argument("--methods", nargs="*", default=[m for m in METHODS if m != "loop"],
                        choices=METHODS)
    parser.add_argument("--no-gru", action="store_true", help="skip torch.nn.GRU")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=5.0,
                        help="drop a contender whose warm-up run takes longer than this")
    parser.add_argument("--json", type=Path, help="also write all results to this JSON file")
    args = parser.parse_args(argv)

    seed_everything(0)
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    elif device.type == "cuda":
        set_tf32(False)
    env = environment(device)
    env["command"] = "python " + shlex.join(["benchmarks/bench_scan.py", *sys.argv[1:]])
    print(" | ".join(f"{k}={v}" for k, v in env.items()), flush=True)
    sizes = [("sweep T", args.batch, args.hidden, t) for t in args.sweep_t]
    sizes += [("sweep BH", b, h, args.steps) for b, h in args.sweep_bh]
    results = []
    for label, b, h, t in sizes:
        timings = time_scans(b, h, t, device=device, methods=args.methods, gru=not args.no_gru,
                             reps=args.reps, max_seconds=args.max_seconds)
        print(f"\n{label}: forward+backward, median of {args.reps}\n{speedup_table(timings)}",
              flush=True)
        results += [{"group": label, **r.as_dict()} for r in timings]
    if args.json:
        write_results(args.json, env, results)


if __name__ == "__main__":
    main()
