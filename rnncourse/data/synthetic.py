"""Synthetic long-range tasks: the adding problem and the copy task (seeded NumPy generators).

Both tasks were introduced by Hochreiter & Schmidhuber (1997) to probe how far back
a recurrent network can carry information; the forms here are the ones common in
later work (e.g. Le et al. 2015 for adding, Arjovsky et al. 2016 for copying).
"""

from __future__ import annotations

import numpy as np


def _check_positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    return rng


def adding_problem(n, length, rng):
    """A batch of the adding problem.

    Each sequence has ``length`` steps with two input channels: a value drawn
    from U(0, 1) and a marker that is 1 at exactly two steps and 0 elsewhere.
    One marker lies in the first half, ``[0, length // 2)``, the other in the
    second half, ``[length // 2, length)``. The target is the sum of the two
    marked values, so it lies in [0, 2], has mean 1 and variance 2/12 = 1/6:
    always predicting 1 gives a mean squared error of about 0.167.

    Returns ``x`` of shape (N, T, 2) (channel 0: values, channel 1: markers) and
    ``y`` of shape (N,), both float64, with N = ``n`` and T = ``length >= 2``.
    """
    n = _check_positive_int("n", n)
    length = _check_positive_int("length", length, minimum=2)
    rng = _check_rng(rng)
    half = length // 2
    values = rng.uniform(0.0, 1.0, (n, length))
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = values[rows, first] + values[rows, second]
    return x, y


def copy_task(n, n_symbols, seq_len, delay, rng):
    """A batch of the copy task: remember ``seq_len`` symbols for ``delay`` steps, then repeat them.

    Tokens: 0 is the blank, 1..``n_symbols`` are the symbols to copy and
    ``n_symbols + 1`` is the delimiter that asks for the copy. The input is the
    ``seq_len`` symbols, ``delay - 1`` blanks, the delimiter and ``seq_len``
    blanks; the target is blank for the first ``seq_len + delay`` steps and then
    the ``seq_len`` symbols. A model that outputs blanks and then guesses
    uniformly has cross-entropy ``seq_len * log(n_symbols) / T`` per step.

    Returns integer arrays ``x`` and ``y`` of shape (N, T) with
    T = 2 * ``seq_len`` + ``delay`` and a vocabulary of ``n_symbols + 2`` tokens.
    """
    n = _check_positive_int("n", n)
    n_symbols = _check_positive_int("n_symbols", n_symbols)
    seq_len = _check_positive_int("seq_len", seq_len)
    delay = _check_positive_int("delay", delay)
    rng = _check_rng(rng)
    total = 2 * seq_len + delay
    symbols = rng.integers(1, n_symbols + 1, (n, seq_len))
    x = np.zeros((n, total), dtype=np.int64)
    y = np.zeros((n, total), dtype=np.int64)
    x[:, :seq_len] = symbols
    x[:, seq_len + delay - 1] = n_symbols + 1
    y[:, seq_len + delay:] = symbols
    return x, y
