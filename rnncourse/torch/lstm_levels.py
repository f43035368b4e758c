"""The LSTM layer in four speed levels, each one idea faster than the last.

All levels are single-layer, unidirectional LSTMs with ``torch.nn.LSTM``'s
time-major interface and state-dict keys (``weight_ih_l0``, ``weight_hh_l0``,
``bias_ih_l0``, ``bias_hh_l0``), so one set of weights loads into every level::

    out (T, N, H), (h_n (1, N, H), c_n (1, N, H)) = level(x (T, N, D), hx=None)

1. ``NaiveLSTM``: the textbook loop; every step does both matrix products
   (x_t W_ih^T and h W_hh^T) and the gate maths as separate eager kernels.
2. ``HoistedLSTM``: x W_ih^T for all T steps is one large GEMM before the
   loop (it does not depend on h); the loop keeps one ``addmm`` per step.
3. ``FusedLSTM``: level 2 with the elementwise gate maths compiled into one
   fused kernel (``torch.compile``, or TorchScript with ``fuser="script"``).
4. ``capture_cuda_graph(layer, x)``: records a layer's whole forward and
   backward time loop for one input shape as CUDA graphs, so each replay is a
   single launch instead of hundreds (CUDA only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.types import Device

from .cells import check_size, lstm_pointwise, make_weights, reset_uniform_

FUSERS = ("compile", "script")

_M = TypeVar("_M", bound=nn.Module)


class NaiveLSTM(nn.Module):
    """Level 1: per-step cell, two matrix products and eager gate maths at every step."""

    weight_ih_l0: Tensor
    weight_hh_l0: Tensor
    bias_ih_l0: Tensor
    bias_hh_l0: Tensor

    def __init__(self, input_size: int, hidden_size: int, device: Device = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        check_size("input_size", input_size)
        check_size("hidden_size", hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        make_weights(self, "_l0", input_size, hidden_size, 4, True,
                     {"device": device, "dtype": dtype})
        reset_uniform_(self, hidden_size)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"

    def initial_state(self, x: Tensor,
                      hx: tuple[Tensor, Tensor] | None) -> tuple[Tensor, Tensor]:
        """Check x (T, N, D); return (h_0, c_0) as (N, H) tensors (zeros when hx is None)."""
        if x.dim() != 3 or x.shape[-1] != self.input_size or x.shape[0] == 0:
            raise ValueError(f"x: expected shape (T >= 1, N, {self.input_size}), "
                             f"got {tuple(x.shape)}")
        expected = (1, x.shape[1], self.hidden_size)
        if hx is None:
            zeros = x.new_zeros(expected[1:])
            return zeros, zeros
        if len(hx) != 2:
            raise ValueError(f"hx: expected (h_0, c_0), got {len(hx)} tensors")
        for name, s in zip(("h_0", "c_0"), hx, strict=True):
            if tuple(s.shape) != expected:
                raise ValueError(f"{name}: expected shape {expected}, got {tuple(s.shape)}")
        return hx[0][0], hx[1][0]

    def forward(self, x: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        h, c = self.initial_state(x, hx)
        outs = []
        for x_t in x.unbind(0):
            a = (F.linear(x_t, self.weight_ih_l0, self.bias_ih_l0)
                 + F.linear(h, self.weight_hh_l0, self.bias_hh_l0))
            h, c = lstm_pointwise(a, c)
            outs.append(h)
        return torch.stack(outs), (h[None], c[None])


class HoistedLSTM(NaiveLSTM):
    """Level 2: the input projection of all steps in one GEMM; one addmm per step remains."""

    def gate_maths(self, a: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
        """Elementwise part of a step: pre-activations a (N, 4H), c (N, H) -> h, c."""
        return lstm_pointwise(a, c)

    def forward(self, x: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        h, c = self.initial_state(x, hx)
        # (T, N, D) @ (D, 4H): one large GEMM; both biases are added once, here.
        xp = F.linear(x, self.weight_ih_l0, self.bias_ih_l0 + self.bias_hh_l0)
        w_hh_t = self.weight_hh_l0.t()
        outs = []
        for xp_t in xp.unbind(0):                   # unbind, not xp[t]: see the chapter
            h, c = self.gate_maths(torch.addmm(xp_t, h, w_hh_t), c)
            outs.append(h)
        return torch.stack(outs), (h[None], c[None])


@functools.cache
def fused_lstm_pointwise(fuser: str) -> Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """``lstm_pointwise`` compiled by ``torch.compile`` or TorchScript (one copy per fuser)."""
    if fuser == "compile":
        return torch.compile(lstm_pointwise, fullgraph=True)
    if fuser == "script":
        return torch.jit.script(lstm_pointwise)
    raise ValueError(f"fuser: expected one of {FUSERS}, got {fuser!r}")


class FusedLSTM(HoistedLSTM):
    """Level 3: level 2 with the gate maths fused into one kernel forward and one backward.

    ``fuser="compile"`` uses ``torch.compile`` (Triton on CUDA, C++/OpenMP on
    CPU; the first call per shape compiles, which takes seconds);
    ``fuser="script"`` uses TorchScript, whose fuser works on CUDA but by
    default not on CPU, where it then runs the same kernels as level 2.
    """

    def __init__(self, input_size: int, hidden_size: int, fuser: str = "compile",
                 device: Device = None, dtype: torch.dtype | None = None) -> None:
        super().__init__(input_size, hidden_size, device, dtype)
        self.fuser = fuser
        self._fused = fused_lstm_pointwise(fuser)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", fuser={self.fuser!r}"

    def gate_maths(self, a: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
        return self._fused(a, c)


def capture_cuda_graph(layer: _M, sample_x: Tensor) -> _M:
    """Level 4: record ``layer``'s forward and backward for ``sample_x``'s shape as CUDA graphs.

    Returns ``layer`` itself, its forward replaced by a graph replay (see
    ``torch.cuda.make_graphed_callables``): later calls must use the same shape,
    dtype and ``requires_grad`` as sample_x; inputs are copied into the graph's
    static buffers and gradients flow to the parameters and x as before.
    """
    if sample_x.device.type != "cuda":
        raise ValueError(f"sample_x: CUDA graphs need a CUDA tensor, got device "
                         f"{sample_x.device}")
    if not layer.training:
        raise ValueError("layer: capture in training mode (the graph records the backward too)")
    # a module goes in, the same module (forward replaced) comes out
    return cast(_M, torch.cuda.make_graphed_callables(layer, (sample_x,)))
