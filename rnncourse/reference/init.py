"""Named initialisation schemes for recurrent parameters in PyTorch's layout."""

from __future__ import annotations

import numpy as np

from ._validate import GATES
from .caches import Params

SCHEMES = ("pytorch", "xavier", "orthogonal", "identity")


def orthogonal(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A (rows, cols) matrix with orthonormal rows or columns (QR of a Gaussian, sign-fixed)."""
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    return q if rows >= cols else q.T


def init_params(cell: str, input_size: int, hidden_size: int, scheme: str = "orthogonal",
                rng: np.random.Generator | None = None, forget_bias: float = 1.0) -> Params:
    """Parameters for an ``"rnn"``, ``"lstm"`` or ``"gru"`` layer.

    Schemes:
      * ``"pytorch"``: every weight AND bias ~ U(-1/sqrt(H), 1/sqrt(H)), exactly
        PyTorch's default (including its random biases).
      * ``"xavier"``: weight_ih and each gate block of weight_hh Glorot-uniform,
        U(-a, a) with a = sqrt(6 / (fan_in + fan_out)); zero biases.
      * ``"orthogonal"``: Glorot-uniform weight_ih, each gate block of weight_hh
        orthogonal (all singular values 1); zero biases.
      * ``"identity"``: weight_hh blocks = identity (Le et al. 2015's IRNN), Glorot weight_ih,
        zero biases.
    For the LSTM, every scheme but ``"pytorch"`` sets the forget-gate part of
    ``bias_ih`` to ``forget_bias`` (Gers et al. 2000; Jozefowicz et al. 2015):
    f starts near sigma(1) = 0.73, so the cell remembers by default.
    """
    if cell not in GATES:
        raise ValueError(f"cell: expected one of {tuple(GATES)}, got {cell!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme: expected one of {SCHEMES}, got {scheme!r}")
    if input_size < 1 or hidden_size < 1:
        raise ValueError(f"sizes: expected input_size, hidden_size >= 1, "
                         f"got {input_size}, {hidden_size}")
    rng = np.random.default_rng() if rng is None else rng
    g, d, h = GATES[cell], input_size, hidden_size
    if scheme == "pytorch":
        k = 1.0 / np.sqrt(h)
        shapes = {"weight_ih": (g * h, d), "weight_hh": (g * h, h),
                  "bias_ih": (g * h,), "bias_hh": (g * h,)}
        return {name: rng.uniform(-k, k, shape) for name, shape in shapes.items()}

    def glorot(rows: int, cols: int) -> np.ndarray:
        a = np.sqrt(6.0 / (rows + cols))
        return rng.uniform(-a, a, (rows, cols))

    recurrent = {"xavier": lambda: glorot(h, h), "orthogonal": lambda: orthogonal(h, h, rng),
                 "identity": lambda: np.eye(h)}[scheme]
    params = {
        "weight_ih": np.concatenate([glorot(h, d) for _ in range(g)]),
        "weight_hh": np.concatenate([recurrent() for _ in range(g)]),
        "bias_ih": np.zeros(g * h),
        "bias_hh": np.zeros(g * h),
    }
    if cell == "lstm":
        params["bias_ih"][h:2 * h] = forget_bias
    return params
