"""Random problems for the three reference cells, so each test is written once for all of them
(through ``rnncourse.reference.sequence_forward`` and friends)."""

import numpy as np

from rnncourse import reference as ref

CELLS = ref.CELLS


def random_params(cell, d, h, rng):
    return ref.init_params(cell, d, h, scheme="pytorch", rng=rng)


def random_problem(cell, n, t, d, h, seed):
    rng = np.random.default_rng(seed)
    params = random_params(cell, d, h, rng)
    x = rng.standard_normal((n, t, d))
    h0 = rng.standard_normal((n, h))
    c0 = rng.standard_normal((n, h)) if cell == "lstm" else None
    return rng, params, x, h0, c0
