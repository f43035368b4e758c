"""``torch.nn`` building blocks that several applications share: a recurrent layer chosen by
name, and cutting the graph behind a carried state (truncated BPTT).

These use PyTorch's own (cuDNN/oneDNN) layers, which the applications train with; the
from-scratch layers of the course are in :mod:`rnncourse.torch`.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

State = Tensor | tuple[Tensor, Tensor]


def recurrent_layer(cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                    dropout: float = 0.0, **kwargs: Any) -> nn.RNNBase:
    """A batch-first ``torch.nn.RNN``/``LSTM``/``GRU`` chosen by name ("rnn", "lstm", "gru").

    ``dropout`` acts between stacked layers, so it is dropped for a single layer.
    """
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {sorted(CELLS)}, got {cell!r}")
    layer: type[Any] = CELLS[cell]        # torch's stubs type RNNBase's own (mode, ...) signature
    return layer(input_size, hidden_size, num_layers, batch_first=True,
                 dropout=dropout if num_layers > 1 else 0.0, **kwargs)


def detach_state(state: State | None) -> State | None:
    """Cut the graph behind a recurrent state (tensor or LSTM (h, c) tuple): truncated BPTT."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return (state[0].detach(), state[1].detach())
    return state.detach()
