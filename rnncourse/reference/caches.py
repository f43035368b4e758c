"""What each forward pass of the reference keeps for its backward pass, as named tuples.

They are still tuples (a backward can unpack them), but code outside ``reference/``
reads their fields by name: ``cache.gates``, never ``cache[3]``. Time-major arrays
(T, N, ...) are marked so; ``params`` is the parameter dict the forward used.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Params = dict[str, np.ndarray]


class RNNStepCache(NamedTuple):
    """One tanh-RNN step: x (N, D), h_prev (N, H), h (N, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    h: np.ndarray
    params: Params


class RNNCache(NamedTuple):
    """A tanh-RNN over a sequence: x (N, T, D), h0 (N, H), hs (T, N, H) time-major."""

    x: np.ndarray
    h0: np.ndarray
    hs: np.ndarray
    params: Params


class LSTMStepCache(NamedTuple):
    """One LSTM step: x (N, D), h_prev, c_prev (N, H), gates (N, 4H) = [i, f, g, o]
    after their nonlinearities, tanh_c = tanh(c_t) (N, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    gates: np.ndarray
    tanh_c: np.ndarray
    params: Params


class LSTMCache(NamedTuple):
    """An LSTM over a sequence: x (N, T, D), h0, c0 (N, H); time-major hs, cs, tanh_cs
    (T, N, H) and gates (T, N, 4H)."""

    x: np.ndarray
    h0: np.ndarray
    c0: np.ndarray
    hs: np.ndarray
    cs: np.ndarray
    tanh_cs: np.ndarray
    gates: np.ndarray
    params: Params


class GRUStepCache(NamedTuple):
    """One GRU step (PyTorch's convention): x (N, D), h_prev (N, H), gates (N, 3H) = [r, z, n]
    after their nonlinearities, hn = h_prev W_hn^T + b_hn (N, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    gates: np.ndarray
    hn: np.ndarray
    params: Params


class GRUCache(NamedTuple):
    """A GRU over a sequence: x (N, T, D), h0 (N, H); time-major hs, hns (T, N, H) and
    gates (T, N, 3H)."""

    x: np.ndarray
    h0: np.ndarray
    hs: np.ndarray
    gates: np.ndarray
    hns: np.ndarray
    params: Params


class ChoGRUStepCache(NamedTuple):
    """One GRU step in Cho et al.'s convention: x (N, D), h_prev (N, H), gates (N, 3H)."""

    x: np.ndarray
    h_prev: np.ndarray
    gates: np.ndarray
    params: Params


class ChoGRUCache(NamedTuple):
    """Cho et al.'s GRU over a sequence: x (N, T, D), h0 (N, H); time-major hs (T, N, H) and
    gates (T, N, 3H)."""

    x: np.ndarray
    h0: np.ndarray
    hs: np.ndarray
    gates: np.ndarray
    params: Params


class AffineCache(NamedTuple):
    """y = x W^T + b: the input x (..., D) and the weight W (M, D)."""

    x: np.ndarray
    weight: np.ndarray


class EmbeddingCache(NamedTuple):
    """A table look-up: the indices idx (N, T) and the table's shape (V, D)."""

    idx: np.ndarray
    shape: tuple[int, ...]


class AttentionCache(NamedTuple):
    """Additive attention: query (N, Hq), keys (N, S, Hk), the weights W_q, W_k, v, the
    hidden tanh layer (N, S, A) and the attention weights (N, S)."""

    query: np.ndarray
    keys: np.ndarray
    w_q: np.ndarray
    w_k: np.ndarray
    v: np.ndarray
    hidden: np.ndarray
    weights: np.ndarray


class ScanCache(NamedTuple):
    """A linear recurrence h_t = a_t * h_{t-1} + b_t: the coefficients a (N, T, H), the
    initial state h0 (N, H) and the states hs (N, T, H), batch-first."""

    a: np.ndarray
    h0: np.ndarray
    hs: np.ndarray


class MinGRUCache(NamedTuple):
    """A minGRU layer: x (N, T, D); the update gate z and the candidate (N, T, H), batch-first;
    the cache of the linear scan a = 1 - z, b = z * candidate."""

    x: np.ndarray
    z: np.ndarray
    candidate: np.ndarray
    scan: ScanCache
    params: Params


class MinLSTMCache(NamedTuple):
    """A minLSTM layer: x (N, T, D); the forget and input gates f, i and the candidate
    (N, T, H), batch-first; the cache of the linear scan a = f / (f + i), b = i / (f + i) *
    candidate."""

    x: np.ndarray
    f: np.ndarray
    i: np.ndarray
    candidate: np.ndarray
    scan: ScanCache
    params: Params


class LRUCache(NamedTuple):
    """An LRU layer: the input u (N, T, D), the eigenvalues lam (S,) and the projected input
    u B^T (N, T, S), both complex, and the cache of the complex scan."""

    u: np.ndarray
    lam: np.ndarray
    projected: np.ndarray
    scan: ScanCache
    params: Params


class SelectiveSSMCache(NamedTuple):
    """A selective SSM layer: u (N, T, D); the step sizes' pre-activations and delta
    (N, T, D); B_t, C_t (N, T, S); the decays exp(delta A) (N, T, D, S); the scan's cache
    over the D * S flattened channels."""

    u: np.ndarray
    pre_delta: np.ndarray
    delta: np.ndarray
    b_t: np.ndarray
    c_t: np.ndarray
    decay: np.ndarray
    scan: ScanCache
    params: Params


class LinearAttentionCache(NamedTuple):
    """Causal linear attention: x (N, T, D); the pre-activations of queries and keys and
    their features q, k (N, T, K); the values with a column of ones (N, T, V + 1); the
    scan's cache over the K (V + 1) flattened state."""

    x: np.ndarray
    q_pre: np.ndarray
    k_pre: np.ndarray
    q: np.ndarray
    k: np.ndarray
    v1: np.ndarray
    scan: ScanCache
    params: Params
