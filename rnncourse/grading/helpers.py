"""Trusted helpers that probes call inside the sandbox (``Step("helper:<name>", ...)``).

They drive the learner's objects (a ``torch.nn.Module`` class, a nested return
value) and turn what comes out into tensors and arrays the runner can send
back. They run in the child process, next to the learner's code.
"""

from __future__ import annotations

from ..reference import PARAM_NAMES


def unpack_pair(value, what):
    """Split a nested return value ``(a, b)``, with a clear error if it is something else."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"expected {what} to be a pair, got {type(value).__name__}")
    return value[0], value[1]


def timed_call(func, *args):
    """``func(*args)`` and the CPU seconds it took (all threads of this process)."""
    import time

    start = time.process_time()
    result = func(*args)
    return result, time.process_time() - start


def make_cell(cls, input_size, hidden_size):
    """Instantiate the learner's module class: ``cls(input_size, hidden_size)``."""
    import torch

    cell = cls(int(input_size), int(hidden_size))
    if not isinstance(cell, torch.nn.Module):
        raise TypeError(f"{getattr(cls, '__name__', 'the cell class')}(...) should be a "
                        f"torch.nn.Module, got {type(cell).__name__}")
    return cell


def parameter_shapes(cell):
    """{name: shape} of the module's own parameters (sub-modules' names contain a dot)."""
    import numpy as np

    return {name: np.array(p.shape, dtype=np.int64) for name, p in cell.named_parameters()}


def init_values(cls, input_size, hidden_size, seed):
    """The parameter values of a freshly constructed cell (torch seeded for repeatability)."""
    import torch

    torch.manual_seed(int(seed))
    cell = make_cell(cls, input_size, hidden_size)
    return {name: p.detach().double() for name, p in cell.named_parameters()}


def _load(cell, params):
    import torch

    cell.double()
    with torch.no_grad():
        for name in PARAM_NAMES:
            p = getattr(cell, name, None)
            if not isinstance(p, torch.nn.Parameter):
                raise AttributeError(f"the cell has no parameter named {name!r} (expected "
                                     f"{', '.join(PARAM_NAMES)}, as in torch.nn.LSTMCell)")
            if tuple(p.shape) != params[name].shape:
                raise ValueError(f"parameter {name!r} has shape {tuple(p.shape)}; expected "
                                 f"{params[name].shape}")
            p.copy_(torch.as_tensor(params[name]))


def _state_pair(out):
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise TypeError(f"forward should return a tuple (h, c), got {type(out).__name__}")
    return out


def forward_cell(cell, params, x, h0, c0):
    """Load ``params``; run ``cell(x, (h0, c0))`` on leaf tensors. Returns h, c, leaves."""
    import torch

    _load(cell, params)
    leaves = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, h0, c0)]
    h, c = _state_pair(cell(leaves[0], (leaves[1], leaves[2])))
    return h, c, leaves


def backward_cell(cell, h, c, leaves, dh, dc):
    """Backpropagate sum(h * dh) + sum(c * dc) through the learner's forward with autograd."""
    import torch

    loss = (h * torch.as_tensor(dh)).sum() + (c * torch.as_tensor(dc)).sum()
    loss.backward()
    grads = {"dx": leaves[0].grad, "dh0": leaves[1].grad, "dc0": leaves[2].grad}
    grads.update({f"d{name}": getattr(cell, name).grad for name in PARAM_NAMES})
    missing = [k for k, g in grads.items() if g is None]
    if missing:
        raise RuntimeError(f"no gradient reached {', '.join(missing)}: does forward break the "
                           f"autograd graph (.detach(), .numpy(), .data, torch.no_grad())?")
    return grads


def forward_no_state(cell, params, x):
    """``cell(x)`` without a state: it should start from zeros, as torch.nn.LSTMCell does."""
    import torch

    _load(cell, params)
    with torch.no_grad():
        return _state_pair(cell(torch.as_tensor(x)))
