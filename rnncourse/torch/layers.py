"""Multi-layer, bidirectional, variable-length RNN/LSTM/GRU layers: drop-ins for torch.nn's.

Constructor arguments, parameter names (``weight_ih_l{k}[_reverse]`` ...),
state-dict keys and the forward signature are those of ``torch.nn.RNN/LSTM/GRU``::

    output, h_n = RNN(...)(input, h_0)            # GRU alike
    output, (h_n, c_n) = LSTM(...)(input, (h_0, c_0))

input: (T, N, D), or (N, T, D) with ``batch_first``, or unbatched (T, D), or a
``PackedSequence``; h_0, c_0: (num_layers * num_directions, N, H) or None for
zeros. Variable-length batches are handled by masking: a row's state stops
changing after its last step, its outputs there are zero, and h_n holds its
state at its last real step. Pass a ``PackedSequence`` (the output is then
packed too) or a padded tensor with ``lengths=``. Each direction of each
layer computes its input projection for all steps in one matrix product, then
runs the time loop with one ``h W_hh^T`` product per step.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence
from torch.types import Device

from ..reference import PARAM_NAMES
from .cells import (
    NONLINEARITIES,
    check_size,
    gru_pointwise,
    lstm_pointwise,
    make_weights,
    reset_uniform_,
    rnn_pointwise,
)


def length_mask(lengths: Tensor | Sequence[int], steps: int, batch: int,
                device: Device) -> Tensor:
    """Boolean mask (T, N, 1): True where step t < lengths[n]; checks 1 <= lengths <= T."""
    lengths = torch.as_tensor(lengths, dtype=torch.long).cpu()
    if tuple(lengths.shape) != (batch,):
        raise ValueError(f"lengths: expected shape ({batch},), one per sequence, "
                         f"got {tuple(lengths.shape)}")
    if lengths.min() < 1 or lengths.max() > steps:
        raise ValueError(f"lengths: expected values in [1, T={steps}], got min "
                         f"{int(lengths.min())}, max {int(lengths.max())}")
    mask = torch.arange(steps)[:, None] < lengths[None, :]
    return mask.unsqueeze(-1).to(device)


def repack(padded: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack a padded time-major (T, N, F) output with the layout of PackedSequence ``like``."""
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices)
    keep = torch.arange(padded.shape[1])[None, :] < like.batch_sizes[:, None]   # (T, N)
    return PackedSequence(padded[keep.to(padded.device)], like.batch_sizes,
                          like.sorted_indices, like.unsorted_indices)


class _Recurrent(nn.Module):
    """The shared layer stack; subclasses set ``gates`` and define ``_cell``."""

    gates: int = 1
    state_names: tuple[str, ...] = ("h_0",)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Device = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            check_size(name, value)
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"dropout: expected a probability in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout acts between stacked layers only; with num_layers=1 it has "
                          "no effect", stacklevel=2)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        factory = {"device": device, "dtype": dtype}
        self._suffixes: list[str] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * self.num_directions
            for direction in range(self.num_directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                make_weights(self, suffix, layer_input, hidden_size, self.gates, bias, factory)
                self._suffixes.append(suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_uniform_(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Does nothing: kept so code written for torch.nn (which calls it for cuDNN) runs."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for name, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    def _cell(self, xp: Tensor, hp: Tensor, h: Tensor,
              c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        """One step's gate maths from the two projections -> (h, c or None)."""
        raise NotImplementedError

    def _initial_states(self, hx: Tensor | tuple[Tensor, Tensor] | None, batch: int,
                        unbatched: bool, like: Tensor) -> list[Tensor]:
        """hx as a list of (L * dirs, N, H) tensors in ``state_names`` order; None -> zeros."""
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx is None:
            return [like.new_zeros(expected) for _ in self.state_names]
        states = list(hx) if len(self.state_names) > 1 else [hx]
        if len(states) != len(self.state_names) or not all(
                isinstance(s, torch.Tensor) for s in states):
            raise ValueError(f"hx: expected {' and '.join(self.state_names)} as tensors, "
                             f"got {type(hx).__name__}")
        checked = []
        # every item was checked to be a Tensor just above
        for name, s in zip(self.state_names, cast("list[Tensor]", states), strict=True):
            if unbatched and s.dim() == 2:
                s = s.unsqueeze(1)
            if tuple(s.shape) != expected:
                raise ValueError(f"{name}: expected shape {expected} (num_layers * "
                                 f"num_directions, N, H), got {tuple(s.shape)}")
            checked.append(s)
        return checked

    def _direction(self, x: Tensor, k: int, h: Tensor, c: Tensor | None, mask: Tensor | None,
                   reverse: bool) -> tuple[Tensor, Tensor, Tensor | None]:
        """Direction k (= layer * dirs + direction) over x (T, N, D_in) -> out (T, N, H), h, c."""
        w_ih, w_hh, b_ih, b_hh = (getattr(self, name + self._suffixes[k])
                                  for name in PARAM_NAMES)
        xps = F.linear(x, w_ih, b_ih).unbind(0)        # every step's input projection at once
        steps = range(len(xps) - 1, -1, -1) if reverse else range(len(xps))
        outs: list[Tensor | None] = [None] * len(xps)
        for t in steps:
            h_new, c_new = self._cell(xps[t], F.linear(h, w_hh, b_hh), h, c)
            if mask is None:
                h, c = h_new, c_new
                outs[t] = h
            else:                                      # padded steps keep the state, output 0
                h = torch.where(mask[t], h_new, h)
                c = None if c is None else torch.where(mask[t], cast(Tensor, c_new), c)
                outs[t] = h_new.masked_fill(~mask[t], 0.0)
        return torch.stack(cast("list[Tensor]", outs)), h, c   # every step was filled

    def forward(self, input: Tensor | PackedSequence,
                hx: Tensor | tuple[Tensor, Tensor] | None = None, *,
                lengths: Tensor | Sequence[int] | None = None
                ) -> tuple[Tensor | PackedSequence, Tensor | tuple[Tensor, Tensor]]:
        """input (T, N, D) / (N, T, D) if batch_first / (T, D) / PackedSequence; optional
        lengths (N,) for a padded batch. Returns output and h_n (LSTM: (h_n, c_n))."""
        unbatched = False
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError("lengths: a PackedSequence carries its own lengths; "
                                 "pass lengths only with a padded tensor")
            x, lengths = pad_packed_sequence(input)
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"input: expected 3 dims (T, N, D) or 2 (T, D) unbatched, "
                                 f"got shape {tuple(input.shape)}")
            unbatched = input.dim() == 2
            x = input.unsqueeze(1) if unbatched else (
                input.transpose(0, 1) if self.batch_first else input)
        if x.shape[-1] != self.input_size or x.shape[0] == 0:
            raise ValueError(f"input: expected at least one step of {self.input_size} "
                             f"features, got shape {tuple(x.shape)}")
        steps, batch = x.shape[:2]
        mask = None if lengths is None else length_mask(lengths, steps, batch, x.device)
        states = self._initial_states(hx, batch, unbatched, x)
        finals: list[list[Tensor]] = [[] for _ in self.state_names]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                c0 = states[1][k] if len(states) > 1 else None
                out, h, c = self._direction(x, k, states[0][k], c0, mask, reverse=direction == 1)
                outs.append(out)
                for final, s in zip(finals, (h, c), strict=False):
                    final.append(cast(Tensor, s))      # RNN/GRU: zip stops before c (None)
            x = torch.cat(outs, dim=-1) if len(outs) > 1 else outs[0]
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        stacked = [torch.stack(f).squeeze(1) if unbatched else torch.stack(f) for f in finals]
        output: Tensor | PackedSequence
        if isinstance(input, PackedSequence):
            output = repack(x, input)
        elif unbatched:
            output = x.squeeze(1)
        else:
            output = x.transpose(0, 1) if self.batch_first else x
        return output, (cast("tuple[Tensor, Tensor]", tuple(stacked)) if len(stacked) > 1
                        else stacked[0])


class RNN(_Recurrent):
    """Elman RNN, drop-in for ``torch.nn.RNN`` (same arguments, weights and outputs)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Device = None,
                 dtype: torch.dtype | None = None) -> None:
        if nonlinearity not in NONLINEARITIES:
            raise ValueError(f"nonlinearity: expected one of {NONLINEARITIES}, "
                             f"got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _cell(self, xp: Tensor, hp: Tensor, h: Tensor,
              c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        return rnn_pointwise(xp, hp, self.nonlinearity), None


class LSTM(_Recurrent):
    """LSTM, drop-in for ``torch.nn.LSTM`` without ``proj_size``; hx is (h_0, c_0)."""

    gates = 4
    state_names = ("h_0", "c_0")

    def _cell(self, xp: Tensor, hp: Tensor, h: Tensor,
              c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        return lstm_pointwise(xp + hp, cast(Tensor, c))      # an LSTM always carries c


class GRU(_Recurrent):
    """GRU, drop-in for ``torch.nn.GRU`` (r applied after W_hn, as in PyTorch and cuDNN)."""

    gates = 3

    def _cell(self, xp: Tensor, hp: Tensor, h: Tensor,
              c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        return gru_pointwise(xp, hp, h), None
