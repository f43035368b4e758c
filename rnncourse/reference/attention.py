"""Additive (Bahdanau) attention as a forward/backward pair (NumPy, float64, batched).

For a query q_n (the decoder state) and keys k_{n1}, ..., k_{nS} (the encoder states):

    e_{ns}     = v . tanh(W_q q_n + W_k k_{ns})          scores      (N, S)
    a_{ns}     = softmax_s(e_{ns})   (masked s excluded)  weights     (N, S)
    context_n  = sum_s a_{ns} k_{ns}                      context     (N, Hk)

Parameters: ``W_q`` (A, Hq), ``W_k`` (A, Hk), ``v`` (A,), with A the attention size.
The keys double as the values, as in Bahdanau et al. (2015).
"""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_grad
from .activations import softmax, tanh, tanh_grad_from_output
from .caches import AttentionCache, Params

#: Score given to masked positions before the softmax: exp of it underflows to exactly 0,
#: and unlike -inf it never produces inf - inf = NaN.
MASKED_SCORE = -1e30


def _check_params(params: Params, hq: int, hk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not isinstance(params, dict) or not {"W_q", "W_k", "v"} <= params.keys():
        raise ValueError(f"params: expected a dict with keys 'W_q', 'W_k', 'v', got "
                         f"{sorted(params) if isinstance(params, dict) else type(params)}")
    v = check_array("params['v']", params["v"], (None,), ("A",))
    a = v.shape[0]
    w_q = check_array("params['W_q']", params["W_q"], (a, hq), ("A", "Hq"))
    w_k = check_array("params['W_k']", params["W_k"], (a, hk), ("A", "Hk"))
    return w_q, w_k, v


def _check_mask(mask: np.ndarray | None, n: int, s: int) -> np.ndarray:
    if mask is None:
        return np.ones((n, s), dtype=bool)
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (n, s):
        raise ValueError(f"mask: expected a bool array of shape (N={n}, S={s}) with True at real "
                         f"positions, got dtype {mask.dtype} and shape {mask.shape}")
    if not mask.any(axis=1).all():
        rows = np.flatnonzero(~mask.any(axis=1))[:5].tolist()
        raise ValueError(f"mask: every row needs at least one True position, rows {rows} "
                         f"have none")
    return mask


def additive_attention_forward(
    query: np.ndarray, keys: np.ndarray, params: Params,
    mask: np.ndarray | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], AttentionCache]:
    """Additive attention: query (N, Hq), keys (N, S, Hk), optional bool mask (N, S).

    Returns ``(context (N, Hk), weights (N, S)), cache``. Masked positions
    (mask False, e.g. padding) get weight exactly 0.
    """
    query = check_array("query", query, (None, None), ("N", "Hq"))
    n, hq = query.shape
    keys = check_array("keys", keys, (n, None, None), ("N", "S", "Hk"))
    s, hk = keys.shape[1:]
    w_q, w_k, v = _check_params(params, hq, hk)
    mask = _check_mask(mask, n, s)
    hidden = tanh((query @ w_q.T)[:, None, :] + keys @ w_k.T)          # (N, S, A)
    scores = np.where(mask, hidden @ v, MASKED_SCORE)                   # (N, S)
    weights = softmax(scores, axis=1)
    context = np.einsum("ns,nsh->nh", weights, keys)
    cache = AttentionCache(query, keys, w_q, w_k, v, hidden, weights)
    return (context, weights), cache


def additive_attention_backward(
    dcontext: np.ndarray, cache: AttentionCache,
) -> tuple[np.ndarray, np.ndarray, Params]:
    """Gradients of :func:`additive_attention_forward` for an upstream dcontext (N, Hk).

    Returns ``dquery (N, Hq), dkeys (N, S, Hk), grads`` with grads keyed
    ``W_q``, ``W_k``, ``v``. The keys get two terms: as values (weights times
    dcontext) and through the scores.
    """
    query, keys, w_q, w_k, v, hidden, weights = cache
    dcontext = check_grad("dcontext", dcontext, np.empty(query.shape[:1] + keys.shape[2:]))
    dweights = np.einsum("nh,nsh->ns", dcontext, keys)
    dkeys = weights[:, :, None] * dcontext[:, None, :]
    # softmax Jacobian: de_s = a_s (dA_s - sum_r a_r dA_r); masked a_s = 0 gives de_s = 0
    dscores = weights * (dweights - (weights * dweights).sum(axis=1, keepdims=True))
    dv = np.einsum("nsa,ns->a", hidden, dscores)
    dpre = dscores[:, :, None] * v * tanh_grad_from_output(hidden)    # (N, S, A)
    dkeys += dpre @ w_k
    dq_pre = dpre.sum(axis=1)                                           # (N, A)
    grads = {"W_q": dq_pre.T @ query, "W_k": np.einsum("nsa,nsh->ah", dpre, keys), "v": dv}
    return dq_pre @ w_q, dkeys, grads
