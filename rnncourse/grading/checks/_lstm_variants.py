"""LSTM steps computed the way common mistakes compute them (shared by Exercises 4 and 6)."""

from __future__ import annotations

import itertools

import numpy as np

from rnncourse.reference import sigmoid

ORDER = ("i", "f", "g", "o")  # PyTorch's order of the four blocks of weight_ih / weight_hh


def lstm_step(x, h_prev, c_prev, params, order=ORDER, bias_hh=True, forget=True, tanh_c=True,
              g_sigmoid=False):
    """One LSTM step reading the blocks as ``order`` (block k treated as gate order[k])."""
    a = x @ params["weight_ih"].T + params["bias_ih"] + h_prev @ params["weight_hh"].T
    if bias_hh:
        a = a + params["bias_hh"]
    blocks = dict(zip(order, np.split(a, 4, axis=1), strict=True))
    i, f, o = sigmoid(blocks["i"]), sigmoid(blocks["f"]), sigmoid(blocks["o"])
    g = sigmoid(blocks["g"]) if g_sigmoid else np.tanh(blocks["g"])
    c = (f * c_prev if forget else c_prev) + i * g
    return o * (np.tanh(c) if tanh_c else c), c


def forward_mistakes(x, h_prev, c_prev, params):
    """``[(h, c, message)]`` for every wrong gate order and the classic forward slips."""
    out = []
    for order in itertools.permutations(ORDER):
        if order == ORDER:
            continue
        h, c = lstm_step(x, h_prev, c_prev, params, order=order)
        out.append((h, c, f"your h and c match the gate blocks read in the order "
                          f"({', '.join(order)}); PyTorch stacks them as i, f, g, o: rows "
                          f"[0:H] input gate, [H:2H] forget gate, [2H:3H] candidate g (tanh), "
                          f"[3H:4H] output gate"))
    slips = [
        ({"bias_hh": False}, "bias_hh is missing: PyTorch's LSTM adds both b_ih and b_hh"),
        ({"forget": False}, "c ignores the forget gate: c = f * c_prev + i * g"),
        ({"tanh_c": False}, "h = o * c is missing the tanh: h = o * tanh(c)"),
        ({"g_sigmoid": True}, "the candidate g uses the sigmoid; it uses tanh (values in "
                              "(-1, 1), so the cell can also decrease)"),
    ]
    for kwargs, message in slips:
        h, c = lstm_step(x, h_prev, c_prev, params, **kwargs)
        out.append((h, c, message))
    return out
