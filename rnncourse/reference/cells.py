"""One entry point for all three recurrent cells, so code that treats them alike (tests,
benchmarks, chapters) calls the reference once instead of branching on the cell.

The state is h for the RNN and GRU and (h, c) for the LSTM. These functions return a
``c`` slot in every case (``None`` unless the cell is an LSTM), and the backward
functions tell the cell from the cache they receive.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np

from .caches import (
    GRUCache,
    GRUStepCache,
    LSTMCache,
    LSTMStepCache,
    Params,
    RNNCache,
    RNNStepCache,
)
from .gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from .lstm import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward
from .rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward

CELLS = ("rnn", "lstm", "gru")

SequenceCache = RNNCache | LSTMCache | GRUCache
StepCache = RNNStepCache | LSTMStepCache | GRUStepCache


class Forward(NamedTuple):
    """What a forward pass returns: the output(s), the LSTM cell state (else None), the cache.

    ``h`` is hs (N, T, H) for a sequence and h_t (N, H) for a step.
    """

    h: np.ndarray
    c: np.ndarray | None
    cache: SequenceCache | StepCache


class Backward(NamedTuple):
    """What a backward pass returns: dL/dx, dL/d(initial or previous h), dL/d(initial or
    previous c) for an LSTM (else None), and the parameter gradients keyed like params."""

    dx: np.ndarray
    dh: np.ndarray
    dc: np.ndarray | None
    grads: Params


def _check_cell(cell: str) -> None:
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {CELLS}, got {cell!r}")


def sequence_forward(cell: str, x: np.ndarray, h0: np.ndarray | None,
                     params: Params, c0: np.ndarray | None = None) -> Forward:
    """Run ``cell`` over x (N, T, D) from h0 (and c0 for an LSTM), each (N, H) or None (zeros).

    Returns :class:`Forward` (hs (N, T, H), c_T (N, H) or None, cache).
    """
    _check_cell(cell)
    if cell == "lstm":
        return Forward(*lstm_forward(x, h0, c0, params))
    if c0 is not None:
        raise ValueError(f"c0: only an LSTM has a cell state, got one for cell={cell!r}")
    hs, cache = (rnn_forward if cell == "rnn" else gru_forward)(x, h0, params)
    return Forward(hs, None, cache)


def sequence_backward(dhs: np.ndarray, cache: SequenceCache,
                      dc_last: np.ndarray | None = None) -> Backward:
    """BPTT for the forward that made ``cache``: dhs (N, T, H) = dL/dh_t from above, and
    for an LSTM optionally dc_last (N, H) = dL/dc_T.

    Returns :class:`Backward` (dx (N, T, D), dh0 (N, H), dc0 (N, H) or None, grads).
    """
    if isinstance(cache, LSTMCache):
        return Backward(*lstm_backward(dhs, cache, dc_last))
    if dc_last is not None:
        raise ValueError("dc_last: only an LSTM has a cell state, got one for a "
                         f"{type(cache).__name__}")
    if isinstance(cache, RNNCache):
        dx, dh0, grads = rnn_backward(dhs, cache)
    elif isinstance(cache, GRUCache):
        dx, dh0, grads = gru_backward(dhs, cache)
    else:
        raise ValueError(f"cache: expected the cache of sequence_forward, got "
                         f"{type(cache).__name__}")
    return Backward(dx, dh0, None, grads)


def step_forward(cell: str, x: np.ndarray, h_prev: np.ndarray, params: Params,
                 c_prev: np.ndarray | None = None) -> Forward:
    """One step of ``cell``: x (N, D), h_prev (and c_prev for an LSTM) (N, H).

    Returns :class:`Forward` (h (N, H), c (N, H) or None, cache).
    """
    _check_cell(cell)
    if cell == "lstm":
        # A missing c_prev is passed on as is: the LSTM's input check rejects it (TypeError).
        return Forward(*lstm_step_forward(x, h_prev, cast(np.ndarray, c_prev), params))
    if c_prev is not None:
        raise ValueError(f"c_prev: only an LSTM has a cell state, got one for cell={cell!r}")
    h, cache = (rnn_step_forward if cell == "rnn" else gru_step_forward)(x, h_prev, params)
    return Forward(h, None, cache)


def step_backward(dh: np.ndarray, cache: StepCache, dc: np.ndarray | None = None) -> Backward:
    """Backward of one step: dh (N, H) and, for an LSTM, dc (N, H) (None means zeros).

    Returns :class:`Backward` (dx (N, D), dh_prev (N, H), dc_prev (N, H) or None, grads).
    """
    if isinstance(cache, LSTMStepCache):
        return Backward(*lstm_step_backward(dh, np.zeros_like(dh) if dc is None else dc, cache))
    if dc is not None:
        raise ValueError("dc: only an LSTM has a cell state, got one for a "
                         f"{type(cache).__name__}")
    if isinstance(cache, RNNStepCache):
        dx, dh_prev, grads = rnn_step_backward(dh, cache)
    elif isinstance(cache, GRUStepCache):
        dx, dh_prev, grads = gru_step_backward(dh, cache)
    else:
        raise ValueError(f"cache: expected the cache of step_forward, got "
                         f"{type(cache).__name__}")
    return Backward(dx, dh_prev, None, grads)
