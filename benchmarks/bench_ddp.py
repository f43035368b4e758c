"""Tokens per second of the character LM's training steps: one process against N data-parallel
processes (torch.distributed, gloo on the CPU), at the same global batch and number of steps.

Each run trains a CharLM on tiny-shakespeare with :func:`rnncourse.train.train`, exactly as
``rnncourse train`` does (with ``--nproc N`` for the parallel run), and times the steps after
a warm-up, leaving out process start-up and evaluation. The single process uses the course's
threading policy (:func:`rnncourse.utils.set_threads`), each of the N processes one thread.

    python benchmarks/bench_ddp.py                                # 1 vs 2 processes, ~1 min
    python benchmarks/bench_ddp.py --json benchmarks/results/ddp_cpu.json
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path

import torch

from rnncourse.apps.charlm import CharLM, TBPTTLoss, lm_batches
from rnncourse.apps.distributed import data_parallel, lane_slice, process_group, spawn, world
from rnncourse.data import CharVocab, load_text
from rnncourse.torch.bench import environment
from rnncourse.train import OneCycleAdam, train
from rnncourse.utils import set_threads


def time_steps(args: argparse.Namespace, out: Path | None = None) -> float:
    """Seconds for ``args.steps`` training steps after ``args.warmup`` untimed ones, in this
    process or, inside a process group, in each rank on its share of the lanes. Rank 0
    writes {"seconds", "threads"} to ``out`` when given; returns the seconds."""
    with process_group("cpu") as device:
        rank, world_size = world()
        text = load_text("tinyshakespeare")
        vocab = CharVocab(text)
        torch.manual_seed(0)
        model = CharLM(len(vocab), hidden_size=args.hidden).to(device)
        batches = lm_batches(vocab.encode(text), args.batch, args.seq,
                             lanes=lane_slice(args.batch, world_size, rank))
        optimizer = OneCycleAdam(model.parameters(), 3e-3, args.warmup + args.steps)
        parallel, loss_fn = data_parallel(model), TBPTTLoss()
        train(parallel, loss_fn, batches, optimizer, args.warmup, clip=1.0, progress=False)
        start = time.perf_counter()
        train(parallel, loss_fn, batches, optimizer, args.steps, clip=1.0, progress=False)
        seconds = time.perf_counter() - start
        if rank == 0 and out is not None:
            out.write_text(json.dumps({"seconds": seconds, "threads": torch.get_num_threads()}))
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--nproc", type=int, default=2, help="processes of the parallel run")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--batch", type=int, default=32, help="global batch (lanes)")
    parser.add_argument("--seq", type=int, default=100)
    parser.add_argument("--steps", type=int, default=20, help="timed steps")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps before them")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    lane_slice(args.batch, args.nproc, 0)          # refuse a batch that does not split evenly

    env = environment(torch.device("cpu"))
    del env["threads"]                             # each run's own, below
    env["command"] = "python " + shlex.join(["benchmarks/bench_ddp.py", *sys.argv[1:]])
    print(" | ".join(f"{k}={v}" for k, v in env.items()), flush=True)
    tokens = args.steps * args.batch * args.seq
    results = []
    threads_one = set_threads(args.hidden)
    seconds_one = time_steps(args)
    results.append({"processes": 1, "threads_each": threads_one, "seconds": seconds_one,
                    "tokens_per_s": tokens / seconds_one})
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "rank0.json"
        spawn(time_steps, args.nproc, args, out)
        parallel = json.loads(out.read_text())
    results.append({"processes": args.nproc, "threads_each": parallel["threads"],
                    "seconds": parallel["seconds"], "tokens_per_s": tokens / parallel["seconds"]})
    print(f"\n1x{args.hidden} LSTM, global batch {args.batch} x {args.seq} characters, "
          f"{args.steps} timed steps after {args.warmup}")
    print(f"{'processes':>9} {'threads each':>12} {'seconds':>8} {'tokens/s':>9}")
    for r in results:
        print(f"{r['processes']:>9} {r['threads_each']:>12} {r['seconds']:8.2f} "
              f"{r['tokens_per_s']:9.0f}")
    ratio = results[1]["tokens_per_s"] / results[0]["tokens_per_s"]
    print(f"{args.nproc} processes / 1 process: {ratio:.2f}x tokens/s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        settings = {k: getattr(args, k) for k in ("hidden", "batch", "seq", "steps", "warmup")}
        args.json.write_text(json.dumps({"environment": env, "settings": settings,
                                         "results": results, "ratio": ratio}, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
