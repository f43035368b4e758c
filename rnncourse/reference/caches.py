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
