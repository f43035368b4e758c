"""Uniform access to the three reference cells, so each test is written once for all of them."""

import numpy as np

from rnncourse import reference as ref

CELLS = ("rnn", "lstm", "gru")


def random_params(cell, d, h, rng):
    return ref.init_params(cell, d, h, scheme="pytorch", rng=rng)


def seq_forward(cell, x, h0, c0, params):
    """Return (hs, cT or None, cache) for any cell."""
    if cell == "lstm":
        return ref.lstm_forward(x, h0, c0, params)
    fwd = ref.rnn_forward if cell == "rnn" else ref.gru_forward
    hs, cache = fwd(x, h0, params)
    return hs, None, cache


def seq_backward(cell, dhs, dcT, cache):
    """Return (dx, dh0, dc0 or None, grads) for any cell."""
    if cell == "lstm":
        return ref.lstm_backward(dhs, cache, dcT)
    bwd = ref.rnn_backward if cell == "rnn" else ref.gru_backward
    dx, dh0, grads = bwd(dhs, cache)
    return dx, dh0, None, grads


def step_forward(cell, x, h, c, params):
    """Return (h, c or None, cache) for any cell."""
    if cell == "lstm":
        return ref.lstm_step_forward(x, h, c, params)
    fwd = ref.rnn_step_forward if cell == "rnn" else ref.gru_step_forward
    h_new, cache = fwd(x, h, params)
    return h_new, None, cache


def step_backward(cell, dh, dc, cache):
    """Return (dx, dh_prev, dc_prev or None, grads) for any cell."""
    if cell == "lstm":
        return ref.lstm_step_backward(dh, dc, cache)
    bwd = ref.rnn_step_backward if cell == "rnn" else ref.gru_step_backward
    dx, dh_prev, grads = bwd(dh, cache)
    return dx, dh_prev, None, grads


def random_problem(cell, n, t, d, h, seed):
    rng = np.random.default_rng(seed)
    params = random_params(cell, d, h, rng)
    x = rng.standard_normal((n, t, d))
    h0 = rng.standard_normal((n, h))
    c0 = rng.standard_normal((n, h)) if cell == "lstm" else None
    return rng, params, x, h0, c0
