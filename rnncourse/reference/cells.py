"""One entry point for all three recurrent cells, so code that treats them alike (tests,
benchmarks, chapters) calls the reference once instead of branching on the cell.

The state is h for the RNN and GRU and (h, c) for the LSTM. These functions return a
``c`` slot in every case (``None`` unless the cell is an LSTM), and the backward
functions tell the cell from the cache they receive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

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


def _lstm_step(x: np.ndarray, h_prev: np.ndarray, params: Params,
               c_prev: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, LSTMStepCache]:
    return lstm_step_forward(x, h_prev, np.zeros_like(h_prev) if c_prev is None else c_prev,
                             params)


def _lstm_step_backward(dh: np.ndarray, cache: LSTMStepCache,
                        dc: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                        Params]:
    return lstm_step_backward(dh, np.zeros_like(dh) if dc is None else dc, cache)


#: cell -> (forward of a sequence, forward of a step); the LSTM's take a cell state last.
_FORWARD: dict[str, tuple[Callable[..., tuple], Callable[..., tuple]]] = {
    "rnn": (rnn_forward, rnn_step_forward),
    "lstm": (lambda x, h0, params, c0: lstm_forward(x, h0, c0, params), _lstm_step),
    "gru": (gru_forward, gru_step_forward),
}
#: cache type -> its backward; the LSTM's take dL/dc last.
_BACKWARD: dict[type, Callable[..., tuple]] = {
    RNNCache: rnn_backward, LSTMCache: lstm_backward, GRUCache: gru_backward,
    RNNStepCache: rnn_step_backward, LSTMStepCache: _lstm_step_backward,
    GRUStepCache: gru_step_backward,
}


def _forward(cell: str, kind: int, x: np.ndarray, h: np.ndarray | None, params: Params,
             c: np.ndarray | None, c_name: str) -> Forward:
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {CELLS}, got {cell!r}")
    forward = _FORWARD[cell][kind]
    if cell == "lstm":
        return Forward(*forward(x, h, params, c))
    if c is not None:
        raise ValueError(f"{c_name}: only an LSTM has a cell state, got one for cell={cell!r}")
    h_out, cache = forward(x, h, params)
    return Forward(h_out, None, cache)


def _backward(grad: np.ndarray, cache: object, dc: np.ndarray | None, dc_name: str,
              kinds: tuple[type, ...], made_by: str) -> Backward:
    if not isinstance(cache, kinds):
        raise ValueError(f"cache: expected the cache of {made_by}, got {type(cache).__name__}")
    backward = _BACKWARD[type(cache)]
    if isinstance(cache, LSTMCache | LSTMStepCache):
        return Backward(*backward(grad, cache, dc))
    if dc is not None:
        raise ValueError(f"{dc_name}: only an LSTM has a cell state, got one for a "
                         f"{type(cache).__name__}")
    dx, dh, grads = backward(grad, cache)
    return Backward(dx, dh, None, grads)


def sequence_forward(cell: str, x: np.ndarray, h0: np.ndarray | None,
                     params: Params, c0: np.ndarray | None = None) -> Forward:
    """Run ``cell`` over x (N, T, D) from h0 (and c0 for an LSTM), each (N, H) or None (zeros).

    Returns :class:`Forward` (hs (N, T, H), c_T (N, H) or None, cache).
    """
    return _forward(cell, 0, x, h0, params, c0, "c0")


def sequence_backward(dhs: np.ndarray, cache: SequenceCache,
                      dc_last: np.ndarray | None = None) -> Backward:
    """BPTT for the forward that made ``cache``: dhs (N, T, H) = dL/dh_t from above, and
    for an LSTM optionally dc_last (N, H) = dL/dc_T (None means zeros).

    Returns :class:`Backward` (dx (N, T, D), dh0 (N, H), dc0 (N, H) or None, grads).
    """
    return _backward(dhs, cache, dc_last, "dc_last", (RNNCache, LSTMCache, GRUCache),
                     "sequence_forward")


def step_forward(cell: str, x: np.ndarray, h_prev: np.ndarray, params: Params,
                 c_prev: np.ndarray | None = None) -> Forward:
    """One step of ``cell``: x (N, D), h_prev (and c_prev for an LSTM, None for zeros) (N, H).

    Returns :class:`Forward` (h (N, H), c (N, H) or None, cache).
    """
    return _forward(cell, 1, x, h_prev, params, c_prev, "c_prev")


def step_backward(dh: np.ndarray, cache: StepCache, dc: np.ndarray | None = None) -> Backward:
    """Backward of one step: dh (N, H) and, for an LSTM, dc (N, H) (None means zeros).

    Returns :class:`Backward` (dx (N, D), dh_prev (N, H), dc_prev (N, H) or None, grads).
    """
    return _backward(dh, cache, dc, "dc", (RNNStepCache, LSTMStepCache, GRUStepCache),
                     "step_forward")
