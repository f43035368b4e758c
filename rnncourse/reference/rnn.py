"""Vanilla (Elman) RNN with tanh, in PyTorch's layout: forward and hand-written backward.

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

params: weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,).
"""

from __future__ import annotations

import numpy as np

from ._recurrent import check_sequence, check_step, param_grads, previous_states, time_major
from ._validate import check_grad
from .caches import Params, RNNCache, RNNStepCache


def rnn_cell(xp: np.ndarray, h_prev: np.ndarray, w_hh: np.ndarray) -> np.ndarray:
    """One step given the input projection xp = x W_ih^T + b_ih + b_hh (N, H) -> h (N, H)."""
    return np.tanh(xp + h_prev @ w_hh.T)


def rnn_cell_backward(dh: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Gradient of the pre-activation from dL/dh (N, H) and the step's output h (N, H)."""
    return dh * (1.0 - h * h)


def rnn_step_forward(x: np.ndarray, h_prev: np.ndarray,
                     params: Params) -> tuple[np.ndarray, RNNStepCache]:
    """One step: x (N, D), h_prev (N, H) -> h (N, H), cache."""
    x, h_prev = check_step("rnn", x, h_prev, params)
    xp = x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    h = rnn_cell(xp, h_prev, params["weight_hh"])
    return h, RNNStepCache(x, h_prev, h, params)


def rnn_step_backward(dh: np.ndarray,
                      cache: RNNStepCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """Backward of one step: dh (N, H) -> dx (N, D), dh_prev (N, H), grads."""
    x, h_prev, h, params = cache
    da = rnn_cell_backward(check_grad("dh", dh, h), h)
    return da @ params["weight_ih"], da @ params["weight_hh"], param_grads(da, da, x, h_prev)


def rnn_forward(x: np.ndarray, h0: np.ndarray | None,
                params: Params) -> tuple[np.ndarray, RNNCache]:
    """Run over a sequence: x (N, T, D), h0 (N, H) or None -> hs (N, T, H), cache.

    The input projection of all T steps is one GEMM before the loop; the loop
    only multiplies by W_hh.
    """
    x, h0 = check_sequence("rnn", x, h0, params)
    xp = time_major(x @ params["weight_ih"].T + (params["bias_ih"] + params["bias_hh"]))
    hs = np.empty_like(xp)
    h = h0
    for t in range(xp.shape[0]):
        h = hs[t] = rnn_cell(xp[t], h, params["weight_hh"])
    return np.swapaxes(hs, 0, 1), RNNCache(x, h0, hs, params)


def rnn_backward(dhs: np.ndarray, cache: RNNCache) -> tuple[np.ndarray, np.ndarray, Params]:
    """Backpropagation through time: dhs (N, T, H) = dL/dh_t from the layers above.

    Each step's hidden gradient is dhs[:, t] PLUS the recurrent term flowing back
    from step t+1. Returns dx (N, T, D), dh0 (N, H), grads (summed over steps).
    """
    x, h0, hs, params = cache
    dhs = time_major(check_grad("dhs", dhs, np.swapaxes(hs, 0, 1)))
    w_hh = params["weight_hh"]
    da = np.empty_like(hs)
    dh_next = np.zeros_like(h0)
    for t in reversed(range(hs.shape[0])):
        da[t] = rnn_cell_backward(dhs[t] + dh_next, hs[t])
        dh_next = da[t] @ w_hh
    grads = param_grads(da, da, time_major(x), previous_states(h0, hs))
    return np.swapaxes(da, 0, 1) @ params["weight_ih"], dh_next, grads
