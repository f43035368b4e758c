"""Tools to watch gradients flow backwards through time, in NumPy.

In a tanh RNN, h_t = tanh(a_t) with a_t = W_ih x_t + b + W_hh h_{t-1}, the Jacobian of one
step is J_t = dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh, and the gradient reaching h_{T-k} from
a loss on h_T is (J_T J_{T-1} ... J_{T-k+1})^T dL/dh_T. These helpers compute those
quantities so the chapters can plot them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from .caches import AffineCache, Params, RNNStepCache
from .layers import affine_backward, affine_forward
from .optim import global_norm
from .rnn import rnn_step_backward, rnn_step_forward

#: An elementwise activation, or its derivative computed from the activation's output.
Activation = Callable[[np.ndarray], np.ndarray]


def spectral_radius(w: np.ndarray) -> float:
    """Largest absolute eigenvalue of a square matrix w (H, H)."""
    w = np.asarray(w, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"w: expected a square matrix (H, H), got shape {w.shape}")
    return float(np.abs(np.linalg.eigvals(w)).max())


def with_spectral_radius(w: np.ndarray, radius: float) -> np.ndarray:
    """w (H, H) rescaled so its spectral radius equals ``radius`` (> 0)."""
    if not radius > 0:
        raise ValueError(f"radius: expected a positive number, got {radius}")
    return w * (radius / spectral_radius(w))


def step_jacobians(hs: np.ndarray, w_hh: np.ndarray) -> np.ndarray:
    """Jacobians J_t = dh_t/dh_{t-1} = diag(1 - h_t^2) W_hh of one sequence's tanh RNN steps.

    hs (T, H): the states h_1..h_T of ONE sequence (tanh's derivative needs only
    the output); w_hh (H, H). Returns (T, H, H), where J[t] = dh_{t+1}/dh_t.
    """
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 2 or hs.shape[1] != np.shape(w_hh)[0]:
        raise ValueError(f"hs: expected shape (T, H={np.shape(w_hh)[0]}), got {hs.shape}")
    return (1.0 - hs * hs)[:, :, None] * np.asarray(w_hh)[None]


def jacobian_product_norms(jacobians: np.ndarray) -> np.ndarray:
    """Spectral norms of the products P_k = J_T J_{T-1} ... J_{T-k+1}, k = 0..T (P_0 = I).

    ``jacobians`` (T, H, H) as from :func:`step_jacobians`. ||P_k|| bounds how much
    the gradient reaching h_{T-k} can grow or shrink relative to dL/dh_T.
    """
    jacobians = np.asarray(jacobians, dtype=np.float64)
    if jacobians.ndim != 3 or jacobians.shape[1] != jacobians.shape[2]:
        raise ValueError(f"jacobians: expected shape (T, H, H), got {jacobians.shape}")
    product = np.eye(jacobians.shape[1])
    norms = [1.0]
    for jac in jacobians[::-1]:
        product = product @ jac
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms)


def state_grad_norms(x: np.ndarray, params: Params, h0: np.ndarray | None = None,
                     dh_last: np.ndarray | None = None) -> np.ndarray:
    """||dL/dh_{T-k}|| for k = 0..T when the loss depends on the last state h_T only.

    x (N, T, D); params in the RNN's PyTorch layout; h0 (N, H) or None (zeros);
    dh_last (N, H) = dL/dh_T, or None for a fixed unit vector per sequence.
    Steps back through time with :func:`rnn_step_backward`, which includes the
    full recurrent term. Returns (T+1,): entry k is the mean over the batch of
    the gradient norm k steps before the loss (entry T belongs to h0).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x: expected a 3-d array (N, T, D), got shape {x.shape}")
    n, steps, _ = x.shape
    hidden = params["weight_hh"].shape[0]
    h = np.zeros((n, hidden)) if h0 is None else h0
    caches: list[RNNStepCache] = []
    for t in range(steps):
        h, cache = rnn_step_forward(x[:, t], h, params)
        caches.append(cache)
    dh = np.full((n, hidden), 1.0 / np.sqrt(hidden)) if dh_last is None else dh_last
    if dh.shape != (n, hidden):
        raise ValueError(f"dh_last: expected shape ({n}, {hidden}), got {dh.shape}")
    norms = [np.linalg.norm(dh, axis=1).mean()]
    for cache in reversed(caches):
        _, dh, _ = rnn_step_backward(dh, cache)
        norms.append(np.linalg.norm(dh, axis=1).mean())
    return np.array(norms)


def angle_degrees(a: Params, b: Params) -> float:
    """Angle in degrees between two gradient dicts with the same keys, flattened together."""
    if set(a) != set(b):
        raise ValueError(f"angle_degrees: expected the same keys, got {sorted(a)} and {sorted(b)}")
    dot = sum(float(np.sum(a[k] * b[k])) for k in a)
    cos = dot / (global_norm(a) * global_norm(b))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def mlp_grad_norms(x: np.ndarray, weights: Iterable[tuple[np.ndarray, np.ndarray]],
                   activation: str = "tanh") -> np.ndarray:
    """||dL/dh_l|| at the output of every hidden layer of a deep feed-forward net.

    x (N, D); weights: list of (W, b) with W (D_out, D_in), applied in order, each
    followed by ``activation`` in {"tanh", "sigmoid", "relu"}. The loss is the sum of
    the last layer's outputs times a fixed unit vector. Returns (L,), entry l for
    layer l+1 (entry 0 is the first hidden layer, furthest from the loss).
    """
    acts: dict[str, tuple[Activation, Activation]] = {
        "tanh": (np.tanh, lambda y: 1.0 - y * y),
        "sigmoid": (lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)), lambda y: y * (1.0 - y)),
        "relu": (lambda a: np.maximum(a, 0.0), lambda y: (y > 0).astype(np.float64)),
    }
    if activation not in acts:
        raise ValueError(f"activation: expected one of {tuple(acts)}, got {activation!r}")
    f, df = acts[activation]
    h = np.asarray(x, dtype=np.float64)
    caches: list[AffineCache] = []
    outs: list[np.ndarray] = []
    for w, b in weights:
        a, cache = affine_forward(h, w, b)
        h = f(a)
        caches.append(cache)
        outs.append(h)
    dh = np.full(h.shape, 1.0 / np.sqrt(h.shape[1]))
    norms: list[float] = []
    for cache, y in zip(reversed(caches), reversed(outs), strict=True):
        norms.append(np.linalg.norm(dh, axis=1).mean())
        dh, _ = affine_backward(dh * df(y), cache)
    return np.array(norms[::-1])
