"""LSTM (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000),
in PyTorch's layout and gate order i, f, g, o: forward and hand-written backward.

    [i, f, g, o] = [sigma, sigma, tanh, sigma](x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
    c_t = f * c_{t-1} + i * g
    h_t = o * tanh(c_t)

params: weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,).
"""

from __future__ import annotations

import numpy as np

from ._recurrent import check_sequence, check_step, param_grads, previous_states, time_major
from ._validate import check_grad
from .activations import sigmoid
from .caches import LSTMCache, LSTMStepCache, Params


def lstm_cell(xp: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
              w_hh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step given xp = x W_ih^T + b_ih + b_hh (N, 4H).

    Returns h (N, H), c (N, H) and what the backward needs:
    the gate activations (N, 4H) in order i, f, g, o, and tanh(c) (N, H).
    """
    a = xp + h_prev @ w_hh.T
    hid = h_prev.shape[1]
    gates = sigmoid(a)
    gates[:, 2 * hid:3 * hid] = np.tanh(a[:, 2 * hid:3 * hid])
    i, f, g, o = np.split(gates, 4, axis=1)
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    return o * tanh_c, c, gates, tanh_c


def lstm_cell_backward(dh: np.ndarray, dc: np.ndarray, gates: np.ndarray, c_prev: np.ndarray,
                       tanh_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step backward: dL/dh and dL/dc (N, H) -> dL/d(pre-activations) (N, 4H), dL/dc_prev.

    The cell state receives gradient along two paths: directly from c_{t+1}
    (``dc``) and through h_t = o * tanh(c_t).
    """
    i, f, g, o = np.split(gates, 4, axis=1)
    dc = dc + dh * o * (1.0 - tanh_c * tanh_c)
    da = np.concatenate([
        dc * g * i * (1.0 - i),           # input gate
        dc * c_prev * f * (1.0 - f),      # forget gate
        dc * i * (1.0 - g * g),           # candidate
        dh * tanh_c * o * (1.0 - o),      # output gate
    ], axis=1)
    return da, dc * f


def lstm_step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, params: Params,
) -> tuple[np.ndarray, np.ndarray, LSTMStepCache]:
    """One step: x (N, D), h_prev (N, H), c_prev (N, H) -> h (N, H), c (N, H), cache."""
    x, h_prev, c_prev = check_step("lstm", x, h_prev, params, c_prev)
    xp = x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    h, c, gates, tanh_c = lstm_cell(xp, h_prev, c_prev, params["weight_hh"])
    return h, c, LSTMStepCache(x, h_prev, c_prev, gates, tanh_c, params)


def lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: LSTMStepCache,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Params]:
    """Backward of one step: dh, dc (N, H) -> dx (N, D), dh_prev (N, H), dc_prev (N, H), grads."""
    x, h_prev, c_prev, gates, tanh_c, params = cache
    dh = check_grad("dh", dh, h_prev)
    dc = check_grad("dc", dc, c_prev)
    da, dc_prev = lstm_cell_backward(dh, dc, gates, c_prev, tanh_c)
    return (da @ params["weight_ih"], da @ params["weight_hh"], dc_prev,
            param_grads(da, da, x, h_prev))


def lstm_forward(
    x: np.ndarray, h0: np.ndarray | None, c0: np.ndarray | None, params: Params,
) -> tuple[np.ndarray, np.ndarray, LSTMCache]:
    """Run over a sequence: x (N, T, D), h0, c0 (N, H) or None -> hs (N, T, H), cT (N, H), cache."""
    x, h0, c0 = check_sequence("lstm", x, h0, params, c0)
    xp = time_major(x @ params["weight_ih"].T + (params["bias_ih"] + params["bias_hh"]))
    steps, n, hid = xp.shape[0], x.shape[0], h0.shape[1]
    hs, cs, tanh_cs = (np.empty((steps, n, hid), xp.dtype) for _ in range(3))
    gates = np.empty_like(xp)
    h, c = h0, c0
    for t in range(steps):
        h, c, gates[t], tanh_cs[t] = lstm_cell(xp[t], h, c, params["weight_hh"])
        hs[t], cs[t] = h, c
    return np.swapaxes(hs, 0, 1), c, LSTMCache(x, h0, c0, hs, cs, tanh_cs, gates, params)


def lstm_backward(
    dhs: np.ndarray, cache: LSTMCache, dcT: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Params]:
    """BPTT through an LSTM: dhs (N, T, H), optional dcT (N, H) = dL/dc_T.

    Returns dx (N, T, D), dh0 (N, H), dc0 (N, H), grads (summed over steps).
    """
    x, h0, c0, hs, cs, tanh_cs, gates, params = cache
    dhs = time_major(check_grad("dhs", dhs, np.swapaxes(hs, 0, 1)))
    dc = np.zeros_like(c0) if dcT is None else check_grad("dcT", dcT, c0)
    c_prevs = previous_states(c0, cs)
    w_hh = params["weight_hh"]
    da = np.empty_like(gates)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(hs.shape[0])):
        da[t], dc = lstm_cell_backward(dhs[t] + dh_next, dc, gates[t], c_prevs[t], tanh_cs[t])
        dh_next = da[t] @ w_hh
    grads = param_grads(da, da, time_major(x), previous_states(h0, hs))
    return np.swapaxes(da, 0, 1) @ params["weight_ih"], dh_next, dc, grads
