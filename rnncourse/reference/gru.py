"""GRU (Cho et al. 2014) in PyTorch's (cuDNN's) form and gate order r, z, n.

    r = sigma(W_ir x + b_ir + W_hr h + b_hr)          reset gate
    z = sigma(W_iz x + b_iz + W_hz h + b_hz)          update gate
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))     candidate
    h' = (1 - z) * n + z * h

The update gate z decides how much of the old state is kept; the reset gate r
scales the old state's contribution inside the candidate, after the matrix
product (Cho et al. apply r before it: see the GRU chapter).

params: weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
"""

from __future__ import annotations

import numpy as np

from ._recurrent import check_sequence, check_step, param_grads, previous_states, time_major
from ._validate import check_grad
from .activations import sigmoid
from .caches import GRUCache, GRUStepCache, Params


def gru_cell(xp: np.ndarray, h_prev: np.ndarray, w_hh: np.ndarray,
             b_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step given xp = x W_ih^T + b_ih (N, 3H).

    Returns h (N, H) and what the backward needs: gates (N, 3H) holding r, z, n,
    and hn = h_prev W_hn^T + b_hn (N, H).
    """
    hp = h_prev @ w_hh.T + b_hh
    hid = h_prev.shape[1]
    gates = sigmoid(xp + hp)
    r, z = gates[:, :hid], gates[:, hid:2 * hid]
    hn = hp[:, 2 * hid:]
    n = np.tanh(xp[:, 2 * hid:] + r * hn)
    gates[:, 2 * hid:] = n
    return n + z * (h_prev - n), gates, hn


def gru_cell_backward(dh: np.ndarray, h_prev: np.ndarray, gates: np.ndarray,
                      hn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step backward: dL/dh (N, H) -> dL/d(input projection) and dL/d(hidden projection)
    (both (N, 3H)) and the direct part of dL/dh_prev, dh * z (N, H)."""
    r, z, n = np.split(gates, 3, axis=1)
    dn = dh * (1.0 - z) * (1.0 - n * n)
    dr = dn * hn * r * (1.0 - r)
    dz = dh * (h_prev - n) * z * (1.0 - z)
    da_x = np.concatenate([dr, dz, dn], axis=1)
    da_h = np.concatenate([dr, dz, dn * r], axis=1)
    return da_x, da_h, dh * z


def gru_step_forward(x: np.ndarray, h_prev: np.ndarray,
                     params: Params) -> tuple[np.ndarray, GRUStepCache]:
    """One step: x (N, D), h_prev (N, H) -> h (N, H), cache."""
    x, h_prev = check_step("gru", x, h_prev, params)
    xp = x @ params["weight_ih"].T + params["bias_ih"]
    h, gates, hn = gru_cell(xp, h_prev, params["weight_hh"], params["bias_hh"])
    return h, GRUStepCache(x, h_prev, gates, hn, params)


def gru_step_backward(dh: np.ndarray,
                      cache: GRUStepCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """Backward of one step: dh (N, H) -> dx (N, D), dh_prev (N, H), grads."""
    x, h_prev, gates, hn, params = cache
    da_x, da_h, dh_prev = gru_cell_backward(check_grad("dh", dh, h_prev), h_prev, gates, hn)
    return (da_x @ params["weight_ih"], dh_prev + da_h @ params["weight_hh"],
            param_grads(da_x, da_h, x, h_prev))


def gru_forward(x: np.ndarray, h0: np.ndarray | None,
                params: Params) -> tuple[np.ndarray, GRUCache]:
    """Run over a sequence: x (N, T, D), h0 (N, H) or None -> hs (N, T, H), cache."""
    x, h0 = check_sequence("gru", x, h0, params)
    xp = time_major(x @ params["weight_ih"].T + params["bias_ih"])
    steps, n, hid = xp.shape[0], x.shape[0], h0.shape[1]
    hs, hns = np.empty((steps, n, hid), xp.dtype), np.empty((steps, n, hid), xp.dtype)
    gates = np.empty_like(xp)
    h = h0
    for t in range(steps):
        h, gates[t], hns[t] = gru_cell(xp[t], h, params["weight_hh"], params["bias_hh"])
        hs[t] = h
    return np.swapaxes(hs, 0, 1), GRUCache(x, h0, hs, gates, hns, params)


def gru_backward(dhs: np.ndarray, cache: GRUCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """BPTT through a GRU: dhs (N, T, H) -> dx (N, T, D), dh0 (N, H), grads."""
    x, h0, hs, gates, hns, params = cache
    dhs = time_major(check_grad("dhs", dhs, np.swapaxes(hs, 0, 1)))
    h_prevs = previous_states(h0, hs)
    w_hh = params["weight_hh"]
    da_x, da_h = np.empty_like(gates), np.empty_like(gates)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(hs.shape[0])):
        da_x[t], da_h[t], dh_direct = gru_cell_backward(dhs[t] + dh_next, h_prevs[t],
                                                        gates[t], hns[t])
        dh_next = dh_direct + da_h[t] @ w_hh
    grads = param_grads(da_x, da_h, time_major(x), h_prevs)
    return np.swapaxes(da_x, 0, 1) @ params["weight_ih"], dh_next, grads
