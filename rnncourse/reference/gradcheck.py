"""Numerical gradients by centred finite differences, and a relative-error measure."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt


def rel_error(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Relative error ||a - b|| / (||a|| + ||b||) (Frobenius norms); 0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, got {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def numerical_gradient(f: Callable[[], npt.ArrayLike], x: np.ndarray,
                       dout: np.ndarray | None = None, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of sum(f() * dout) w.r.t. the array x, perturbed in place.

    f takes no arguments and reads x (and anything else) from its closure, so the
    same helper checks inputs, states and every parameter. With dout None, f must
    return a scalar. Each entry costs two calls of f; x is restored afterwards.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.asarray(f(), dtype=np.float64)
        x[i] = old - h
        minus = np.asarray(f(), dtype=np.float64)
        x[i] = old
        diff = plus - minus if dout is None else (plus - minus) * dout
        grad[i] = diff.sum() / (2 * h)
    return grad
