"""The one three-way split behind every dataset's train/validation/test split."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    """Three non-negative fractions summing to 1, or a ValueError naming what came instead."""
    if len(fractions) != 3 or abs(sum(fractions) - 1) > 1e-9 or min(fractions) < 0:
        raise ValueError(f"fractions: expected three values >= 0 summing to 1, got {fractions}")
    return fractions[0], fractions[1], fractions[2]


def three_way_split(n: int, fractions: Sequence[float],
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle 0..n-1 with ``rng`` and cut the permutation by ``fractions``.

    Returns the (train, validation, test) index arrays, each in shuffled order. The
    cuts are rounded, so a group of 10 with (0.8, 0.1, 0.1) gives 8 / 1 / 1; the
    datasets call this once per group (language, source and label) to stratify.
    """
    f_train, f_val, _ = check_fractions(fractions)
    order = rng.permutation(n)
    cut1 = int(round(f_train * n))
    cut2 = cut1 + int(round(f_val * n))
    return order[:cut1], order[cut1:cut2], order[cut2:]
