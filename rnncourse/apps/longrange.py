"""The adding problem in PyTorch: a regressor on torch.nn.RNN/LSTM/GRU, its training, and the
measurement of how gradients flow back through time in such a model (dL/dh_t, dL/dx_t)."""

from __future__ import annotations

import numpy as np
import torch

from ..data.synthetic import adding_problem
from ..train import train
from .forecast import SequenceRegressor

#: The adding problem's "solved" bar on the test MSE. Predicting the mean scores 1/6 and
#: knowing only the later marked value scores 1/12 (chapter 7 derives both), so the bar
#: sits about eight times below 1/12: only a model that uses both values reaches it.
SOLVED_MSE = 0.01


def adding_regressor(cell, hidden_size, forget_bias=None):
    """A :class:`~rnncourse.apps.forecast.SequenceRegressor` for the adding problem's 2 inputs.

    With ``forget_bias`` set (LSTM only), the forget-gate biases are set so that
    ``bias_ih + bias_hh`` equals it; PyTorch's default draws them at random.
    """
    if forget_bias is not None and cell != "lstm":
        raise ValueError(f"forget_bias: only an LSTM has a forget gate, got cell={cell!r}")
    model = SequenceRegressor(cell, hidden_size=hidden_size, input_size=2)
    if forget_bias is not None:
        with torch.no_grad():
            model.rnn.bias_ih_l0[hidden_size:2 * hidden_size] = forget_bias
            model.rnn.bias_hh_l0[hidden_size:2 * hidden_size] = 0.0
    return model


def adding_batches(batch_size, length, rng):
    """Endless fresh adding-problem batches: float32 tensors x (B, T, 2), y (B,)."""
    while True:
        x, y = adding_problem(batch_size, length, rng)
        yield torch.from_numpy(x).float(), torch.from_numpy(y).float()


def mse(model, batch):
    """Mean squared error of ``model`` on one batch (x, y)."""
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def train_adding(cell, length, *, steps, hidden_size=64, batch_size=64, lr=3e-3, clip=1.0,
                 seed=0, eval_size=1000, eval_every=None, forget_bias=None, progress=False):
    """Train an :func:`adding_regressor` on the adding problem with Adam.

    Training batches are fresh every step; the test set is ``eval_size``
    held-out sequences drawn from a separate generator. Returns
    ``(model, history)``; ``history.metric("test_mse")`` holds the test MSE.
    """
    length = int(length)
    torch.manual_seed(seed)
    model = adding_regressor(cell, hidden_size, forget_bias)
    x_test, y_test = adding_problem(eval_size, length, np.random.default_rng([seed, 1]))
    test = (torch.from_numpy(x_test).float(), torch.from_numpy(y_test).float())

    def evaluate(m):
        return {"test_mse": mse(m, test).item()}

    history = train(model, mse, adding_batches(batch_size, length, np.random.default_rng(seed)),
                    torch.optim.Adam(model.parameters(), lr=lr), steps, clip=clip,
                    evaluate=evaluate, eval_every=eval_every or max(steps // 10, 1),
                    desc=f"{cell} T={length}", progress=progress)
    return model, history


def hidden_state_gradients(model, x, y, cell_state=False):
    """Per-step gradient norms ||dL/dh_t||, averaged over the batch, for t = 1..T.

    Runs ``model.rnn`` (a one-layer torch.nn.RNN/LSTM/GRU) one step at a time
    and keeps every state as a node of the graph, so that autograd's dL/dh_t
    is the *total* derivative: the path through the read-out plus every path
    through later states. (The per-step outputs of a whole-sequence call would
    only receive the read-out's direct gradient.) L is the sum over the batch
    of squared errors of ``model.head`` applied to h_T, so row n of dL/dh_t is
    the gradient of example n's own loss. With ``cell_state=True`` (LSTM only)
    the norms are those of dL/dc_t, the gradient along the cell; the last
    entry is then NaN, because the layer returns h_T and c_T side by side and
    autograd sees no path from c_T to the loss.
    x (N, T, D), y (N,) tensors -> norms (T,), a NumPy array. Parameter
    gradients are left untouched.
    """
    if x.ndim != 3 or y.shape != x.shape[:1]:
        raise ValueError(f"x, y: expected shapes (N, T, D) and (N,), got {tuple(x.shape)} "
                         f"and {tuple(y.shape)}")
    is_lstm = isinstance(model.rnn, torch.nn.LSTM)
    if cell_state and not is_lstm:
        raise ValueError(f"cell_state: only an LSTM has a cell state, got "
                         f"{type(model.rnn).__name__}")
    states, hs, cs = None, [], []
    with torch.enable_grad():
        for t in range(x.shape[1]):
            _, states = model.rnn(x[:, t:t + 1], states)
            hs.append(states[0] if is_lstm else states)           # each (1, N, H)
            if is_lstm:
                cs.append(states[1])
        loss = ((model.head(hs[-1][0]).squeeze(-1) - y) ** 2).sum()
        grads = torch.autograd.grad(loss, cs if cell_state else hs, allow_unused=cell_state)
    return np.array([np.nan if g is None else g[0].norm(dim=-1).mean().item() for g in grads])


def torch_input_grad_norms(module, x):
    """||dL/dx_t|| for t = 1..T, where L = sum of the last output of a ``torch.nn`` RNN/LSTM/GRU.

    ``module`` is batch-first; x is a tensor (N, T, D). The norm (mean over the
    batch) measures how strongly the input t steps back still moves the output
    at T: the long-term dependency signal that vanishing gradients destroy.
    Returns a NumPy array (T,) indexed by time step.
    """
    x = x.detach().clone().requires_grad_(True)
    out, _ = module(x)
    out[:, -1].sum().backward()
    return x.grad.norm(dim=2).mean(dim=0).detach().cpu().double().numpy()
