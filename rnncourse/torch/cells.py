"""From-scratch RNN, LSTM and GRU cells in PyTorch, drop-in replacements for torch.nn's cells.

The gate maths is written out on ``nn.Parameter``s; nothing calls
``torch.nn.RNNCell/LSTMCell/GRUCell`` or the fused ``torch._VF`` kernels.
Parameter names, shapes, initialisation and gate order are torch.nn's
(``weight_ih (G*H, D)``, ``weight_hh (G*H, H)``, ``bias_ih``, ``bias_hh (G*H,)``;
LSTM gates i, f, g, o; GRU gates r, z, n), so state dicts load both ways.

The pointwise functions take the two matrix products already done, so the
layers (``layers.py``) and the speed levels (``lstm_levels.py``) can hoist or
fuse them without repeating the gate maths.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.types import Device

NONLINEARITIES = ("tanh", "relu")


def rnn_pointwise(xp: Tensor, hp: Tensor, nonlinearity: str = "tanh") -> Tensor:
    """Elman step: h = act(xp + hp) with xp = x W_ih^T + b_ih, hp = h_prev W_hh^T + b_hh (N, H)."""
    a = xp + hp
    return torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a)


def lstm_pointwise(a: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """LSTM gate maths on the summed pre-activations a (N, 4H), gates i, f, g, o.

    c = f * c_prev + i * g,  h = o * tanh(c);  returns h, c (N, H).
    """
    i, f, g, o = a.chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c_prev + i * g
    return o * torch.tanh(c), c


def gru_pointwise(xp: Tensor, hp: Tensor, h_prev: Tensor) -> Tensor:
    """GRU gate maths (PyTorch/cuDNN convention: r multiplies W_hn h + b_hn).

    xp = x W_ih^T + b_ih and hp = h_prev W_hh^T + b_hh (N, 3H), gates r, z, n:
    r = sigma(xp_r + hp_r), z = sigma(xp_z + hp_z), n = tanh(xp_n + r * hp_n),
    h = (1 - z) * n + z * h_prev: the update gate z keeps the old state.
    """
    x_r, x_z, x_n = xp.chunk(3, dim=-1)
    h_r, h_z, h_n = hp.chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    return (1.0 - z) * n + z * h_prev


def reset_uniform_(module: nn.Module, hidden_size: int) -> None:
    """torch.nn's initialisation: every parameter ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-bound, bound)


def make_weights(module: nn.Module, suffix: str, input_size: int, hidden_size: int, gates: int,
                 bias: bool, factory: Mapping[str, Any]) -> None:
    """Register weight_ih, weight_hh, bias_ih, bias_hh (+ suffix) on module, in torch.nn's order."""
    rows = gates * hidden_size
    module.register_parameter(f"weight_ih{suffix}",
                              nn.Parameter(torch.empty(rows, input_size, **factory)))
    module.register_parameter(f"weight_hh{suffix}",
                              nn.Parameter(torch.empty(rows, hidden_size, **factory)))
    for name in ("bias_ih", "bias_hh"):
        module.register_parameter(
            name + suffix, nn.Parameter(torch.empty(rows, **factory)) if bias else None)


def check_size(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name}: expected a positive int, got {value!r}")


class _Cell(nn.Module):
    """Shared parts of the three cells: parameters, init and input checks."""

    gates: int = 1
    weight_ih: Tensor
    weight_hh: Tensor
    bias_ih: Tensor | None
    bias_hh: Tensor | None

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Device = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        check_size("input_size", input_size)
        check_size("hidden_size", hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        make_weights(self, "", input_size, hidden_size, self.gates, bias,
                     {"device": device, "dtype": dtype})
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_uniform_(self, self.hidden_size)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _check(self, input: Tensor,
               states: Sequence[tuple[str, Tensor | None]]) -> tuple[Tensor, list[Tensor], bool]:
        """Validate input (N, D) or unbatched (D,) and states (N, H) or (H,); None -> zeros.

        Returns the input and states with a batch dimension and whether it was added.
        """
        if input.dim() not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"input: expected shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {tuple(input.shape)}")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        expected = (input.shape[0], self.hidden_size)
        checked = []
        for name, s in states:
            if s is None:
                s = input.new_zeros(expected)
            else:
                if unbatched and s.dim() == 1:
                    s = s.unsqueeze(0)
                if tuple(s.shape) != expected:
                    raise ValueError(f"{name}: expected shape {expected} "
                                     f"(or ({self.hidden_size},) with unbatched input), "
                                     f"got {tuple(s.shape)}")
            checked.append(s)
        return input, checked, unbatched

    def _projections(self, input: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        return (F.linear(input, self.weight_ih, self.bias_ih),
                F.linear(h, self.weight_hh, self.bias_hh))


class RNNCell(_Cell):
    """Elman cell, drop-in for ``torch.nn.RNNCell``: h' = act(W_ih x + b_ih + W_hh h + b_hh).

    forward(input (N, D) or (D,), hx (N, H) or None) -> h' (N, H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Device = None,
                 dtype: torch.dtype | None = None) -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, "
                             f"got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), unbatched = self._check(input, [("hx", hx)])
        h = rnn_pointwise(*self._projections(input, h), self.nonlinearity)
        return h.squeeze(0) if unbatched else h


class LSTMCell(_Cell):
    """LSTM cell, drop-in for ``torch.nn.LSTMCell`` (gates i, f, g, o; see ``lstm_pointwise``).

    forward(input (N, D) or (D,), hx=(h, c) each (N, H), or None) -> (h', c').
    """

    gates = 4

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h, c = (None, None) if hx is None else hx
        input, (h, c), unbatched = self._check(input, [("hx[0]", h), ("hx[1]", c)])
        xp, hp = self._projections(input, h)
        h, c = lstm_pointwise(xp + hp, c)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_Cell):
    """GRU cell, drop-in for ``torch.nn.GRUCell`` (gates r, z, n; see ``gru_pointwise``).

    forward(input (N, D) or (D,), hx (N, H) or None) -> h' (N, H).
    """

    gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, (h,), unbatched = self._check(input, [("hx", hx)])
        h = gru_pointwise(*self._projections(input, h), h)
        return h.squeeze(0) if unbatched else h
