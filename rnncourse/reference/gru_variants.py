"""The GRU exactly as Cho et al. (2014) wrote it: the reset gate acts BEFORE the matrix product.

    r = sigma(W_ir x + b_ir + W_hr h + b_hr)          reset gate
    z = sigma(W_iz x + b_iz + W_hz h + b_hz)          update gate
    n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)     candidate: r scales h, then W_hn
    h' = (1 - z) * n + z * h

PyTorch and cuDNN (``gru.py``) compute ``r * (W_hn h + b_hn)`` instead: the reset gate
scales the product. With the same weights the two give different numbers unless
r = 1 everywhere. Parameters use the same layout and gate order r, z, n as ``gru.py``:
weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,).
"""

from __future__ import annotations

import numpy as np

from ._recurrent import check_sequence, check_step, param_grads, previous_states, time_major
from ._validate import check_grad
from .activations import sigmoid
from .caches import ChoGRUCache, ChoGRUStepCache, Params


def cho_gru_cell(xp: np.ndarray, h_prev: np.ndarray, w_hh: np.ndarray,
                 b_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step given xp = x W_ih^T + b_ih (N, 3H): returns h (N, H) and gates (N, 3H) = r, z, n."""
    hid = h_prev.shape[1]
    rz = sigmoid(xp[:, :2 * hid] + h_prev @ w_hh[:2 * hid].T + b_hh[:2 * hid])
    r, z = rz[:, :hid], rz[:, hid:]
    n = np.tanh(xp[:, 2 * hid:] + (r * h_prev) @ w_hh[2 * hid:].T + b_hh[2 * hid:])
    return n + z * (h_prev - n), np.concatenate([rz, n], axis=1)


def cho_gru_cell_backward(dh: np.ndarray, h_prev: np.ndarray, gates: np.ndarray,
                          w_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step backward: dL/dh (N, H) -> dL/d(pre-activations) (N, 3H) and dL/dh_prev (N, H).

    The pre-activation gradient is shared by the input projection and the
    hidden-side biases; h_prev reaches the output along four paths: directly
    (z * h), through r * h inside the candidate, and through both gates.
    """
    hid = h_prev.shape[1]
    r, z, n = np.split(gates, 3, axis=1)
    dn = dh * (1.0 - z) * (1.0 - n * n)
    drh = dn @ w_hh[2 * hid:]                    # dL/d(r * h_prev)
    dr = drh * h_prev * r * (1.0 - r)
    dz = dh * (h_prev - n) * z * (1.0 - z)
    dh_prev = dh * z + drh * r + np.concatenate([dr, dz], axis=1) @ w_hh[:2 * hid]
    return np.concatenate([dr, dz, dn], axis=1), dh_prev


def _cho_param_grads(da: np.ndarray, x: np.ndarray, h_prev: np.ndarray,
                     gates: np.ndarray) -> Params:
    """Parameter gradients: like the other cells, except that W_hn multiplies r * h_prev."""
    hid = h_prev.shape[-1]
    grads = param_grads(da, da, x, h_prev)
    dn = da[..., 2 * hid:].reshape(-1, hid)
    rh = (gates[..., :hid] * h_prev).reshape(-1, hid)
    grads["weight_hh"][2 * hid:] = dn.T @ rh
    return grads


def cho_gru_step_forward(x: np.ndarray, h_prev: np.ndarray,
                         params: Params) -> tuple[np.ndarray, ChoGRUStepCache]:
    """One step: x (N, D), h_prev (N, H) -> h (N, H), cache."""
    x, h_prev = check_step("gru", x, h_prev, params)
    xp = x @ params["weight_ih"].T + params["bias_ih"]
    h, gates = cho_gru_cell(xp, h_prev, params["weight_hh"], params["bias_hh"])
    return h, ChoGRUStepCache(x, h_prev, gates, params)


def cho_gru_step_backward(dh: np.ndarray,
                          cache: ChoGRUStepCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """Backward of one step: dh (N, H) -> dx (N, D), dh_prev (N, H), grads."""
    x, h_prev, gates, params = cache
    da, dh_prev = cho_gru_cell_backward(check_grad("dh", dh, h_prev), h_prev, gates,
                                        params["weight_hh"])
    return da @ params["weight_ih"], dh_prev, _cho_param_grads(da, x, h_prev, gates)


def cho_gru_forward(x: np.ndarray, h0: np.ndarray | None,
                    params: Params) -> tuple[np.ndarray, ChoGRUCache]:
    """Run over a sequence: x (N, T, D), h0 (N, H) or None -> hs (N, T, H), cache."""
    x, h0 = check_sequence("gru", x, h0, params)
    xp = time_major(x @ params["weight_ih"].T + params["bias_ih"])
    hs = np.empty((xp.shape[0], x.shape[0], h0.shape[1]), xp.dtype)
    gates = np.empty_like(xp)
    h = h0
    for t in range(xp.shape[0]):
        h, gates[t] = cho_gru_cell(xp[t], h, params["weight_hh"], params["bias_hh"])
        hs[t] = h
    return np.swapaxes(hs, 0, 1), ChoGRUCache(x, h0, hs, gates, params)


def cho_gru_backward(dhs: np.ndarray,
                     cache: ChoGRUCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """BPTT through the Cho et al. GRU: dhs (N, T, H) -> dx (N, T, D), dh0 (N, H), grads."""
    x, h0, hs, gates, params = cache
    dhs = time_major(check_grad("dhs", dhs, np.swapaxes(hs, 0, 1)))
    h_prevs = previous_states(h0, hs)
    da = np.empty_like(gates)
    dh = np.zeros_like(h0)
    for t in reversed(range(hs.shape[0])):
        da[t], dh = cho_gru_cell_backward(dhs[t] + dh, h_prevs[t], gates[t], params["weight_hh"])
    grads = _cho_param_grads(da, time_major(x), h_prevs, gates)
    return np.swapaxes(da, 0, 1) @ params["weight_ih"], dh, grads
