"""Time the NumPy reference's forward+backward against torch.nn on the CPU.

Both run in this process with the same weights, interleaved repetition by
repetition, so machine noise hits both alike; the script prints the median
times and the ratio ours / torch.nn. Usage:

    python benchmarks/bench_reference.py [--batch 32 --input 64 --hidden 128 --steps 100]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from rnncourse import reference as ref
from rnncourse.interop import params_to_torch

TORCH_LAYERS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def reference_step(cell, x, params):
    """One forward+backward of the NumPy layer with an upstream gradient of ones."""
    hs, _, cache = ref.sequence_forward(cell, x, None, params)
    ref.sequence_backward(np.ones_like(hs), cache)


def torch_step(module, x):
    out, _ = module(x)
    out.backward(torch.ones_like(out))


def bench(cell, dtype, n, d, h, t, reps, rng):
    """Median seconds per fwd+bwd for (reference, torch.nn) at the given sizes."""
    params = {k: v.astype(dtype) for k, v in
              ref.init_params(cell, d, h, scheme="pytorch", rng=rng).items()}
    x = rng.standard_normal((n, t, d)).astype(dtype)
    module = TORCH_LAYERS[cell](d, h, batch_first=True).to(getattr(torch, np.dtype(dtype).name))
    params_to_torch(params, module)
    xt = torch.from_numpy(x).requires_grad_()
    ours, theirs = [], []
    for rep in range(reps + 1):            # repetition 0 warms both up and is dropped
        start = time.perf_counter()
        reference_step(cell, x, params)
        mid = time.perf_counter()
        torch_step(module, xt)
        end = time.perf_counter()
        if rep:
            ours.append(mid - start)
            theirs.append(end - mid)
    return statistics.median(ours), statistics.median(theirs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--input", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    print(f"B={args.batch} D={args.input} H={args.hidden} T={args.steps}, fwd+bwd, "
          f"median of {args.reps}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'cell':5} {'dtype':8} {'numpy ms':>9} {'torch ms':>9} {'ratio':>6}")
    for dtype in (np.float64, np.float32):
        for cell in TORCH_LAYERS:
            ours, theirs = bench(cell, dtype, args.batch, args.input, args.hidden, args.steps,
                                 args.reps, rng)
            print(f"{cell:5} {np.dtype(dtype).name:8} {ours * 1e3:9.2f} {theirs * 1e3:9.2f} "
                  f"{ours / theirs:6.2f}")


if __name__ == "__main__":
    main()
