"""The linear recurrence h_t = a_t * h_{t-1} + b_t over a sequence in PyTorch, differentiable by
autograd, by several methods (the NumPy reference is :mod:`rnncourse.reference.scan`).

a, b (B, T, H) tensors (real, or complex for every method but "log"), h0 (B, H) or None:

- "loop": one step per time step (``unbind``, then ``stack``): T small operations forward
  and T backward, each paying a fixed dispatch cost (on a GPU, a kernel launch);
- "hillis_steele": log2 T levels, each one vector operation over all T steps
  (O(T log T) work);
- "blelloch": the work-efficient scan written as a recursion on pairs of steps
  (O(T) work, 2 log2 T levels of shrinking size);
- "chunked": chunks of C steps; a step loop inside all chunks at once (C steps on
  (B, T/C, H) tensors), a sequential pass over the T/C chunk ends, then one closed-form
  correction h = local + P * h_entering. 2 sqrt(T) small steps at C = sqrt(T);
- "log": Heinsen's log-space form for a > 0 (cumulative sums and log-sum-exps).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

METHODS = ("loop", "hillis_steele", "blelloch", "chunked", "log")


def combine(first: tuple[Tensor, Tensor],
            second: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
    """Compose two steps, (a1, b1) then (a2, b2): (a1 a2, a2 b1 + b2) (see the reference)."""
    a1, b1 = first
    a2, b2 = second
    return a1 * a2, a2 * b1 + b2


def _step_loop(a: Tensor, b: Tensor, h: Tensor, dim: int = 1) -> Tensor:
    """h_t = a_t h_{t-1} + b_t along ``dim``, one step at a time; returns the stacked states."""
    states = []
    for a_t, b_t in zip(a.unbind(dim), b.unbind(dim), strict=True):
        h = torch.addcmul(b_t, a_t, h)
        states.append(h)
    return torch.stack(states, dim)


def _hillis_steele(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Inclusive prefixes (A_t, B_t) of the steps along dim 1: h_t = A_t h_0 + B_t."""
    offset = 1
    while offset < a.shape[1]:
        new_a, new_b = combine((a[:, :-offset], b[:, :-offset]), (a[:, offset:], b[:, offset:]))
        a = torch.cat([a[:, :offset], new_a], 1)
        b = torch.cat([b[:, :offset], new_b], 1)
        offset *= 2
    return a, b


def _pad_steps(a: Tensor, b: Tensor, steps: int) -> tuple[Tensor, Tensor]:
    """Append ``steps`` identity steps (a = 1, b = 0) along dim 1."""
    shape = (a.shape[0], steps, *a.shape[2:])
    return (torch.cat([a, a.new_ones(shape)], 1), torch.cat([b, b.new_zeros(shape)], 1))


def _blelloch(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Inclusive prefixes by recursion on pairs: compose steps (2k, 2k+1), scan the T/2 pairs
    (the up-sweep), then each even step is its predecessor's prefix composed with it (the
    down-sweep). Odd T gets one identity step."""
    steps = a.shape[1]
    if steps == 1:
        return a, b
    if steps % 2:
        a, b = _pad_steps(a, b, 1)
    pairs = (a.shape[0], a.shape[1] // 2, 2, *a.shape[2:])
    a_even, a_odd = a.reshape(pairs).unbind(2)
    b_even, b_odd = b.reshape(pairs).unbind(2)
    acc_a_odd, acc_b_odd = _blelloch(*combine((a_even, b_even), (a_odd, b_odd)))
    rest_a, rest_b = combine((acc_a_odd[:, :-1], acc_b_odd[:, :-1]),
                             (a_even[:, 1:], b_even[:, 1:]))
    acc_a_even = torch.cat([a_even[:, :1], rest_a], 1)
    acc_b_even = torch.cat([b_even[:, :1], rest_b], 1)
    acc_a = torch.stack([acc_a_even, acc_a_odd], 2).flatten(1, 2)[:, :steps]
    acc_b = torch.stack([acc_b_even, acc_b_odd], 2).flatten(1, 2)[:, :steps]
    return acc_a, acc_b


def default_chunk(steps: int) -> int:
    """sqrt(T) rounded to a power of two: minimises the C + T/C sequential steps of "chunked"."""
    return 1 << max(0, round(math.log2(max(steps, 1)) / 2))


def _chunked(a: Tensor, b: Tensor, h0: Tensor, chunk: int) -> Tensor:
    batch, steps = a.shape[:2]
    n_chunks = -(-steps // chunk)
    a, b = _pad_steps(a, b, n_chunks * chunk - steps)
    shape = (batch, n_chunks, chunk, *a.shape[2:])
    a_c, b_c = a.reshape(shape), b.reshape(shape)
    local = _step_loop(a_c, b_c, torch.zeros_like(b_c[:, :, 0]), dim=2)   # from zero, per chunk
    decay = torch.cumprod(a_c, 2)                                         # P_j = a_1 ... a_j
    ends = _step_loop(decay[:, :, -1], local[:, :, -1], h0)               # T/C steps
    entering = torch.cat([h0[:, None], ends[:, :-1]], 1)
    return torch.addcmul(local, decay, entering[:, :, None]).reshape(a.shape)[:, :steps]


def _log_space(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """Heinsen's form h_t = A_t sum_{s<=t} b_s / A_s in logs, the positive and negative parts of
    b apart. Step 0 (h0) gives each part an extra 1, which cancels in the difference; it keeps
    every prefix's log-sum-exp finite (its gradient is NaN where a whole prefix is -inf)."""
    log_a = torch.cat([torch.zeros_like(h0[:, None]), torch.log(a)], 1)
    log_decay = torch.cumsum(log_a, 1)
    hs = torch.zeros_like(log_decay)
    for sign in (1.0, -1.0):
        part = torch.cat([torch.relu(sign * h0[:, None]) + 1.0, torch.relu(sign * b)], 1)
        log_part = torch.where(part > 0, torch.log(part.clamp_min(torch.finfo(part.dtype).tiny)),
                               -math.inf)
        hs = hs + sign * torch.exp(log_decay + torch.logcumsumexp(log_part - log_decay, 1))
    return hs[:, 1:]


def _check(a: Tensor, b: Tensor, h0: Tensor | None, method: str) -> Tensor:
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if a.dim() != 3:
        raise ValueError(f"a: expected a 3-d tensor of shape (B, T, H), got shape "
                         f"{tuple(a.shape)}")
    if b.shape != a.shape:
        raise ValueError(f"b: expected shape {tuple(a.shape)} (the shape of a, (B, T, H)), got "
                         f"{tuple(b.shape)}")
    if a.shape[1] == 0:
        raise ValueError(f"a: expected at least one time step (T >= 1), got shape "
                         f"{tuple(a.shape)}")
    batch, _, hidden = a.shape
    if h0 is None:
        return b.new_zeros(batch, hidden)
    if h0.shape != (batch, hidden):
        raise ValueError(f"h0: expected shape (B={batch}, H={hidden}), got {tuple(h0.shape)}")
    return h0


def parallel_scan(a: Tensor, b: Tensor, h0: Tensor | None = None, method: str = "chunked",
                  chunk: int | None = None) -> Tensor:
    """All states of h_t = a_t * h_{t-1} + b_t: a, b (B, T, H), h0 (B, H) or None -> (B, T, H).

    ``method`` is one of :data:`METHODS` (see the module's docstring); ``chunk`` is the
    chunk length of "chunked" (default :func:`default_chunk`). Gradients reach a, b and
    h0 through autograd. "log" needs real a > 0 (checked, which waits for a GPU).
    """
    h0 = _check(a, b, h0, method)
    if method == "loop":
        return _step_loop(a, b, h0)
    if method == "chunked":
        size = default_chunk(a.shape[1]) if chunk is None else chunk
        if size < 1:
            raise ValueError(f"chunk: expected a positive integer, got {chunk!r}")
        return _chunked(a, b, h0, size)
    if method == "log":
        if a.is_complex() or bool((a <= 0).any()):
            raise ValueError("a: the log-space scan expects real a > 0, got "
                             + ("complex values" if a.is_complex() else
                                f"{int((a <= 0).sum())} entries <= 0"))
        return _log_space(a, b, h0)
    acc_a, acc_b = (_hillis_steele if method == "hillis_steele" else _blelloch)(a, b)
    return torch.addcmul(acc_b, acc_a, h0[:, None])
