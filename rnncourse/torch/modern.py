"""Recurrent layers with a linear recurrence, from scratch in PyTorch: minGRU and minLSTM
(Feng et al. 2024), the LRU (Orvieto et al. 2023), a small selective state-space layer after
Mamba's S6 (Gu & Dao 2023), linear attention (Katharopoulos et al. 2020), and a residual
stack of minGRU/minLSTM layers with the call signature of ``torch.nn.GRU``.

Every sequence is batch-first (B, T, D). The layers run over a whole sequence with
:func:`.scan.parallel_scan` (``method`` picks the scan) and, where a model generates one
token at a time, one step with ``step``. Parameter names match the NumPy references of
:mod:`rnncourse.reference.modern`, so ``{k: v.numpy() for k, v in m.state_dict().items()}``
is their parameter dict. Device-agnostic: move a module with ``.to(device)``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .cells import reset_uniform_
from .scan import parallel_scan


def _check_input(x: Tensor, size: int, dims: str = "(B, T, D)") -> None:
    if x.dim() != len(dims.split(",")) or x.shape[-1] != size:
        raise ValueError(f"x: expected shape {dims} with D={size}, got {tuple(x.shape)}")


class _GatedScan(nn.Module):
    """A layer whose state follows h_t = a_t * h_{t-1} + b_t with (a_t, b_t) =
    ``self.coefficients(x_t)`` from the input alone: trained with the parallel scan,
    stepped one position at a time for generation. Subclasses set ``input_size`` and
    ``method`` and define ``coefficients``."""

    input_size: int
    method: str

    def coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        _check_input(x, self.input_size)
        hs = parallel_scan(*self.coefficients(x), h0, method=self.method)
        return hs, hs[:, -1]

    def step(self, x: Tensor, h: Tensor) -> Tensor:
        """One step for generation: x (B, D), h (B, H) -> h (B, H)."""
        _check_input(x, self.input_size, "(B, D)")
        a, b = self.coefficients(x)
        return a * h + b


class MinGRU(_GatedScan):
    """minGRU: z = sigma(x W_z^T + b_z), candidate = x W_h^T + b_h,
    h = (1 - z) h_prev + z candidate.

    Parameters ``weight`` (2H, D) and ``bias`` (2H,), rows [z; candidate], initialised like
    ``nn.Linear``. forward(x (B, T, D), h0 (B, H) or None) -> hs (B, T, H), h_T (B, H).
    """

    def __init__(self, input_size: int, hidden_size: int, method: str = "chunked") -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.method = input_size, hidden_size, method
        self.weight = nn.Parameter(torch.empty(2 * hidden_size, input_size))
        self.bias = nn.Parameter(torch.empty(2 * hidden_size))
        reset_uniform_(self, input_size)

    def coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The recurrence's a = 1 - z and b = z * candidate for inputs x (..., D)."""
        z, candidate = F.linear(x, self.weight, self.bias).chunk(2, dim=-1)
        z = torch.sigmoid(z)
        return 1.0 - z, z * candidate


class MinLSTM(_GatedScan):
    """minLSTM: f, i = sigma(x W_f^T + b_f), sigma(x W_i^T + b_i), candidate = x W_h^T + b_h,
    h = f / (f + i) * h_prev + i / (f + i) * candidate.

    Parameters ``weight`` (3H, D) and ``bias`` (3H,), rows [f; i; candidate].
    forward(x (B, T, D), h0 (B, H) or None) -> hs (B, T, H), h_T (B, H).
    """

    def __init__(self, input_size: int, hidden_size: int, method: str = "chunked") -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.method = input_size, hidden_size, method
        self.weight = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.bias = nn.Parameter(torch.empty(3 * hidden_size))
        reset_uniform_(self, input_size)

    def coefficients(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The recurrence's a = f / (f + i) and b = i / (f + i) * candidate for x (..., D)."""
        f, i, candidate = F.linear(x, self.weight, self.bias).chunk(3, dim=-1)
        f, i = torch.sigmoid(f), torch.sigmoid(i)
        keep = f / (f + i)
        return keep, (1.0 - keep) * candidate


class LRU(nn.Module):
    """Linear Recurrent Unit (Orvieto et al. 2023): a complex diagonal recurrence of S states.

    lambda = exp(-exp(nu_log) + i exp(theta_log)) lies inside the unit circle for any
    parameters; at initialisation |lambda| is uniform on the ring [r_min, r_max] and its
    phase uniform on [0, max_phase]; gamma_log starts at log sqrt(1 - |lambda|^2).
    forward(u (B, T, D)) -> y (B, T, D), with y_t = Re(C x_t) + D * u_t.
    """

    def __init__(self, d_model: int, state_size: int, r_min: float = 0.0, r_max: float = 1.0,
                 max_phase: float = 2 * math.pi, method: str = "chunked") -> None:
        super().__init__()
        self.d_model, self.method = d_model, method
        u1, u2 = torch.rand(state_size), torch.rand(state_size)
        nu_log = torch.log(-0.5 * torch.log(u1 * (r_max**2 - r_min**2) + r_min**2))
        theta_log = torch.log(max_phase * u2)
        modulus = torch.exp(-torch.exp(nu_log))
        self.nu_log, self.theta_log = nn.Parameter(nu_log), nn.Parameter(theta_log)
        self.gamma_log = nn.Parameter(torch.log(torch.sqrt(1.0 - modulus**2)))
        self.B_re = nn.Parameter(torch.randn(state_size, d_model) / math.sqrt(2 * d_model))
        self.B_im = nn.Parameter(torch.randn(state_size, d_model) / math.sqrt(2 * d_model))
        self.C_re = nn.Parameter(torch.randn(d_model, state_size) / math.sqrt(state_size))
        self.C_im = nn.Parameter(torch.randn(d_model, state_size) / math.sqrt(state_size))
        self.D = nn.Parameter(torch.randn(d_model))

    def eigenvalues(self) -> Tensor:
        """The diagonal lambda (S,), complex."""
        return torch.exp(torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log)))

    def forward(self, u: Tensor) -> Tensor:
        _check_input(u, self.d_model)
        input_map = torch.complex(self.B_re, self.B_im)               # (S, D)
        output_map = torch.complex(self.C_re, self.C_im)              # (D, S)
        drive = (u.to(input_map.dtype) @ input_map.T) * torch.exp(self.gamma_log)
        states = parallel_scan(self.eigenvalues().expand_as(drive), drive, method=self.method)
        return (states @ output_map.T).real + self.D * u


class SelectiveSSM(nn.Module):
    """A selective state-space layer after Mamba's S6, kept small: D channels of S states each.

        delta_t = softplus(u_t W_delta^T + b_delta),  B_t = u_t W_B^T,  C_t = u_t W_C^T,
        h_t = exp(delta_t A) * h_{t-1} + delta_t B_t u_t,   y_t = h_t C_t + D * u_t,

    with A = -exp(A_log) (D, S) started at -1, -2, ..., -S for every channel and the step
    sizes at initialisation between 1e-3 and 1e-1. No convolution, gating or expansion
    around it (Mamba's block has them); the scan runs over D * S channels.
    forward(u (B, T, D)) -> y (B, T, D).
    """

    def __init__(self, d_model: int, state_size: int = 8, method: str = "chunked") -> None:
        super().__init__()
        self.d_model, self.state_size, self.method = d_model, state_size, method
        bound = 1.0 / math.sqrt(d_model)
        self.weight_delta = nn.Parameter(torch.empty(d_model, d_model).uniform_(-bound, bound))
        step = torch.exp(torch.empty(d_model).uniform_(math.log(1e-3), math.log(1e-1)))
        self.bias_delta = nn.Parameter(step + torch.log(-torch.expm1(-step)))  # softplus^-1
        self.weight_B = nn.Parameter(torch.empty(state_size, d_model).uniform_(-bound, bound))
        self.weight_C = nn.Parameter(torch.empty(state_size, d_model).uniform_(-bound, bound))
        self.A_log = nn.Parameter(torch.log(torch.arange(1, state_size + 1.0)).repeat(d_model, 1))
        self.D = nn.Parameter(torch.ones(d_model))

    def forward(self, u: Tensor) -> Tensor:
        _check_input(u, self.d_model)
        batch, steps, d = u.shape
        delta = F.softplus(F.linear(u, self.weight_delta, self.bias_delta))      # (B, T, D)
        b_t, c_t = F.linear(u, self.weight_B), F.linear(u, self.weight_C)        # (B, T, S)
        decay = torch.exp(delta[..., None] * -torch.exp(self.A_log))             # (B, T, D, S)
        drive = (delta * u)[..., None] * b_t[:, :, None, :]
        states = parallel_scan(decay.flatten(2), drive.flatten(2), method=self.method)
        y = (states.view(batch, steps, d, self.state_size) * c_t[:, :, None, :]).sum(-1)
        return y + self.D * u


def feature_map(x: Tensor) -> Tensor:
    """phi(x) = elu(x) + 1 > 0 (Katharopoulos et al. 2020)."""
    return F.elu(x) + 1.0


class LinearAttention(nn.Module):
    """Causal linear attention, one head: y_t = sum_{s<=t} (q_t . k_s) v_s / sum_{s<=t} q_t . k_s
    with q = phi(x W_q^T), k = phi(x W_k^T), v = x W_v^T.

    forward runs the parallel form (a masked T x T matrix of similarities, like attention);
    step runs the same model as an RNN whose state is the matrix S = sum k v^T (K, V) and
    the vector z = sum k (K,): constant memory per token however long the context.
    """

    def __init__(self, d_model: int, key_size: int, value_size: int | None = None) -> None:
        super().__init__()
        self.d_model = d_model
        value_size = d_model if value_size is None else value_size
        self.weight_q = nn.Parameter(torch.empty(key_size, d_model))
        self.weight_k = nn.Parameter(torch.empty(key_size, d_model))
        self.weight_v = nn.Parameter(torch.empty(value_size, d_model))
        reset_uniform_(self, d_model)

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, D) -> y (B, T, V), all steps at once (O(T^2) time, no recurrence)."""
        _check_input(x, self.d_model)
        q, k = feature_map(F.linear(x, self.weight_q)), feature_map(F.linear(x, self.weight_k))
        scores = torch.tril(q @ k.transpose(1, 2))                       # (B, T, T), causal
        return (scores @ F.linear(x, self.weight_v)) / scores.sum(-1, keepdim=True)

    def initial_state(self, batch: int) -> tuple[Tensor, Tensor]:
        """Zeros: S (B, K, V) and z (B, K)."""
        key_size, value_size = self.weight_k.shape[0], self.weight_v.shape[0]
        return (self.weight_k.new_zeros(batch, key_size, value_size),
                self.weight_k.new_zeros(batch, key_size))

    def step(self, x: Tensor, state: tuple[Tensor, Tensor]) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """One token: x (B, D), state (S, z) -> y (B, V), new state."""
        _check_input(x, self.d_model, "(B, D)")
        q, k = feature_map(F.linear(x, self.weight_q)), feature_map(F.linear(x, self.weight_k))
        s_mat = state[0] + k[:, :, None] * F.linear(x, self.weight_v)[:, None, :]
        z = state[1] + k
        y = (q[:, None, :] @ s_mat).squeeze(1) / (q * z).sum(-1, keepdim=True)
        return y, (s_mat, z)


MIN_CELLS: dict[str, type[MinGRU] | type[MinLSTM]] = {"mingru": MinGRU, "minlstm": MinLSTM}


class MinRNNStack(nn.Module):
    """Residual layers of minGRU or minLSTM with the call of ``torch.nn.GRU(batch_first=True)``.

    x (B, T, D) is projected to H; each layer adds cell(LayerNorm(x)) to x, then a
    pointwise feed-forward block (H -> 2H, GELU, -> H) on LayerNorm(x); the output is
    LayerNorm(x). Each layer's state path is linear; the blocks transform each position's
    features non-linearly before the next layer's gates read them.
    forward(x, state (L, B, H) or None) -> out (B, T, H), state (L, B, H): the last state
    of every layer, to carry into the next chunk.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 cell: str = "mingru", method: str = "chunked") -> None:
        super().__init__()
        if cell not in MIN_CELLS:
            raise ValueError(f"cell: expected one of {sorted(MIN_CELLS)}, got {cell!r}")
        self.input_size, self.num_layers = input_size, num_layers
        self.proj = nn.Linear(input_size, hidden_size)
        self.cells = nn.ModuleList(MIN_CELLS[cell](hidden_size, hidden_size, method)
                                   for _ in range(num_layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden_size) for _ in range(2 * num_layers + 1))
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden_size, 2 * hidden_size), nn.GELU(),
                          nn.Linear(2 * hidden_size, hidden_size)) for _ in range(num_layers))

    def forward(self, x: Tensor, state: Tensor | None = None) -> tuple[Tensor, Tensor]:
        _check_input(x, self.input_size)
        x = self.proj(x)
        last = []
        for layer, (cell, block) in enumerate(zip(self.cells, self.blocks, strict=True)):
            hs, h_last = cell(self.norms[2 * layer](x), None if state is None else state[layer])
            x = x + hs
            x = x + block(self.norms[2 * layer + 1](x))
            last.append(h_last)
        return self.norms[-1](x), torch.stack(last)
