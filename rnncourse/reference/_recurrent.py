"""Plumbing shared by the RNN, LSTM and GRU reference layers: checks and weight gradients."""

from __future__ import annotations

import numpy as np

from ._validate import check_array, check_params
from .caches import Params


def check_step(cell: str, x: np.ndarray, h_prev: np.ndarray, params: Params,
               c_prev: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Validate one time step's inputs: x (N, D), h_prev (N, H), c_prev (N, H) for LSTM."""
    d, h = check_params(params, cell)
    x = check_array("x", x, (None, d), ("N", "D"))
    n = x.shape[0]
    h_prev = check_array("h_prev", h_prev, (n, h), ("N", "H"))
    if cell == "lstm":
        c_prev = check_array("c_prev", c_prev, (n, h), ("N", "H"))
        return x, h_prev, c_prev
    return x, h_prev


def check_sequence(cell: str, x: np.ndarray, h0: np.ndarray | None, params: Params,
                   c0: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Validate a batch of sequences x (N, T, D) and initial states (N, H); None means zeros."""
    d, h = check_params(params, cell)
    x = check_array("x", x, (None, None, d), ("N", "T", "D"))
    n, t, _ = x.shape
    if t == 0:
        raise ValueError("x: expected at least one time step (T >= 1), got T=0")
    h0 = np.zeros((n, h), x.dtype) if h0 is None else check_array("h0", h0, (n, h), ("N", "H"))
    if cell == "lstm":
        c0 = np.zeros((n, h), x.dtype) if c0 is None else check_array("c0", c0, (n, h), ("N", "H"))
        return x, h0, c0
    return x, h0


def time_major(a: np.ndarray) -> np.ndarray:
    """(N, T, ...) -> contiguous (T, N, ...): each time step becomes one contiguous block."""
    return np.ascontiguousarray(np.swapaxes(a, 0, 1))


def param_grads(da_x: np.ndarray, da_h: np.ndarray, x: np.ndarray, h_prev: np.ndarray) -> Params:
    """Weight and bias gradients from the pre-activation gradients, summed over all steps.

    da_x (..., G*H): gradient of the input projection x W_ih^T + b_ih;
    da_h (..., G*H): gradient of the hidden projection h W_hh^T + b_hh
    (the same array for RNN and LSTM; they differ for the GRU's n gate);
    x (..., D) and h_prev (..., H) line up with them step by step.
    One GEMM per weight covers every time step and batch row.
    """
    gh = da_x.shape[-1]
    dx2, dh2 = da_x.reshape(-1, gh), da_h.reshape(-1, gh)
    return {
        "weight_ih": dx2.T @ x.reshape(-1, x.shape[-1]),
        "weight_hh": dh2.T @ h_prev.reshape(-1, h_prev.shape[-1]),
        "bias_ih": dx2.sum(axis=0),
        "bias_hh": dh2.sum(axis=0),
    }


def previous_states(h0: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """The state entering each step: (T, N, H) = [h0, h_1, ..., h_{T-1}] from time-major hs."""
    return np.concatenate([h0[None], hs[:-1]], axis=0)
