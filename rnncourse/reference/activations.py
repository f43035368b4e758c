"""Numerically stable activations and their derivatives (NumPy, any shape).

None of these overflow or warn for inputs of +-1000, and sigmoid keeps its
relative precision for very negative inputs: it evaluates ``e = exp(-|x|)``,
which never overflows, and returns ``1 / (1 + e)`` for x >= 0 and ``e / (1 + e)``
for x < 0, so that sigmoid(-40) is about 4.25e-18 rather than a rounded 0.
Softmax and log-softmax subtract the row maximum before exponentiating.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._validate import as_float


def sigmoid(x: npt.ArrayLike) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-x)), elementwise, any shape.

    Stable for any finite x and accurate to a few ulps relative to the true value,
    also where it is tiny (x far below 0), because exp is only ever taken of -|x|.
    """
    x = as_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]   # [()]: 0-d in, scalar out


def sigmoid_grad_from_output(s: np.ndarray) -> np.ndarray:
    """Derivative of the sigmoid given its output s = sigmoid(x): s * (1 - s)."""
    return s * (1.0 - s)


def tanh(x: npt.ArrayLike) -> np.ndarray:
    """Hyperbolic tangent, elementwise."""
    return np.tanh(as_float(x))


def tanh_grad_from_output(t: np.ndarray) -> np.ndarray:
    """Derivative of tanh given its output t = tanh(x): 1 - t**2."""
    return 1.0 - t * t


def softmax(x: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``: exp(x - max) / sum(exp(x - max))."""
    x = as_float(x)
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def log_softmax(x: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """log(softmax(x)) computed without forming softmax: x - max - log(sum(exp(x - max)))."""
    x = as_float(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
