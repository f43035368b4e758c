"""Time forward+backward of the from-scratch LSTM levels against torch.nn.LSTM (and NumPy).

All contenders run in this process with the same weights, interleaved
repetition by repetition; the script prints median ms per forward+backward,
the ratio to torch.nn.LSTM (cuDNN on CUDA, oneDNN on CPU), tokens/s and, on
CUDA, peak memory. First the headline size, then a sweep over T and one over H.

    python benchmarks/bench_torch_lstm.py                      # best device, B=64 D=512 H=512 T=100
    python benchmarks/bench_torch_lstm.py --device cpu --sweep-t --sweep-h    # headline only
    python benchmarks/bench_torch_lstm.py --json benchmarks/results/lstm_gpu.json   # record

TF32 is off by default on CUDA for torch.nn and ours alike (``--tf32`` turns
it on for both), so every contender computes in full float32. The threads
are torch's default; set OMP_NUM_THREADS (and OPENBLAS_NUM_THREADS for NumPy)
to change them, as the chapter does.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import torch

from rnncourse.torch.bench import environment, format_table, set_tf32, time_lstm, write_results
from rnncourse.torch.lstm_levels import FUSERS
from rnncourse.utils import pick_device, seed_everything

SWEEP_T = (25, 50, 100, 200)
SWEEP_H = (128, 256, 512, 1024)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="cpu, cuda or mps (default: best)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input", type=int, default=512)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--fusers", nargs="*", default=list(FUSERS), choices=FUSERS,
                        help="level-3 fusers to time (the first one is used for level 4)")
    parser.add_argument("--sweep-t", nargs="*", type=int, default=list(SWEEP_T),
                        help="sequence lengths for the T sweep (none: no sweep)")
    parser.add_argument("--sweep-h", nargs="*", type=int, default=list(SWEEP_H),
                        help="hidden sizes (= input sizes) for the H sweep (none: no sweep)")
    parser.add_argument("--sweep-h-steps", type=int, help="T of the H sweep (default --steps)")
    parser.add_argument("--sweep-reps", type=int, help="repetitions in sweeps (default --reps)")
    parser.add_argument("--no-numpy", action="store_true", help="skip the NumPy reference")
    parser.add_argument("--tf32", action="store_true", help="allow TF32 (CUDA), for both sides")
    parser.add_argument("--json", type=Path, help="also write all results to this JSON file")
    args = parser.parse_args(argv)

    seed_everything(0)
    device = torch.device(args.device) if args.device else pick_device()
    if device.type == "cuda":
        set_tf32(args.tf32)
    env = environment(device)
    env["command"] = "python " + shlex.join(["benchmarks/bench_torch_lstm.py", *sys.argv[1:]])
    print(" | ".join(f"{k}={v}" for k, v in env.items()), flush=True)
    sizes = [("headline", args.batch, args.input, args.hidden, args.steps)]
    sizes += [("sweep T", args.batch, args.input, args.hidden, t) for t in args.sweep_t]
    sizes += [("sweep H", args.batch, h, h, args.sweep_h_steps or args.steps)
              for h in args.sweep_h]
    results = []
    for label, b, d, h, t in sizes:
        headline = label == "headline"
        reps = args.reps if headline or args.sweep_reps is None else args.sweep_reps
        timings = time_lstm(b, d, h, t, device=device, fusers=args.fusers, reps=reps,
                            numpy=headline and not args.no_numpy, compiled_baseline=headline)
        print(f"\n{label}: B={b} D={d} H={h} T={t}, forward+backward, "
              f"median of {reps}\n{format_table(timings)}", flush=True)
        results += [{"group": label, **r.as_dict()} for r in timings]
    if args.json:
        write_results(args.json, env, results)


if __name__ == "__main__":
    main()
