"""Adding-problem models, their training, and the per-step hidden-state gradient measurement."""

import numpy as np
import pytest
import torch

from rnncourse.apps.longrange import adding_regressor, hidden_state_gradients, train_adding
from rnncourse.data.synthetic import adding_problem


@pytest.fixture
def one_thread():
    """Small recurrent models train much faster on one CPU thread than on several."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def batch(n, length, seed, dtype=torch.float64):
    x, y = adding_problem(n, length, np.random.default_rng(seed))
    return torch.tensor(x, dtype=dtype), torch.tensor(y, dtype=dtype)


def test_forget_bias_is_set_on_the_sum_of_both_biases():
    torch.manual_seed(0)
    model = adding_regressor("lstm", 6, forget_bias=1.0)
    total = (model.rnn.bias_ih_l0 + model.rnn.bias_hh_l0).detach()
    assert torch.equal(total[6:12], torch.ones(6))
    assert not torch.equal(total[:6], torch.ones(6))       # other gates keep PyTorch's init


def test_forget_bias_needs_an_lstm():
    with pytest.raises(ValueError, match="only an LSTM has a forget gate"):
        adding_regressor("gru", 4, forget_bias=1.0)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_hidden_state_gradients_match_restarting_from_each_state(cell):
    """dL/dh_t equals the gradient w.r.t. the initial state of the rest of the sequence."""
    torch.manual_seed(1)
    model = adding_regressor(cell, 5).double()
    x, y = batch(4, 9, seed=2)
    norms = hidden_state_gradients(model, x, y)
    assert norms.shape == (9,)

    with torch.no_grad():
        states, all_states = None, []
        for t in range(9):
            _, states = model.rnn(x[:, t:t + 1], states)
            all_states.append(states)
    for t in (0, 4, 7):                   # h_{t+1} in 1-based time: the state after step t
        state = all_states[t]
        h = (state[0] if cell == "lstm" else state).clone().requires_grad_(True)
        rest = (h, state[1]) if cell == "lstm" else h
        out, _ = model.rnn(x[:, t + 1:], rest)
        loss = ((model.head(out[:, -1]).squeeze(-1) - y) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, h)
        assert abs(grad[0].norm(dim=-1).mean().item() - norms[t]) < 1e-12 * (1 + norms[t])


def test_cell_state_gradients_match_restarting_from_each_cell_state():
    torch.manual_seed(7)
    model = adding_regressor("lstm", 5).double()
    x, y = batch(3, 8, seed=8)
    norms = hidden_state_gradients(model, x, y, cell_state=True)
    assert np.isnan(norms[-1]) and np.isfinite(norms[:-1]).all()
    with torch.no_grad():
        states = None
        for t in range(4):
            _, states = model.rnn(x[:, t:t + 1], states)
    c = states[1].clone().requires_grad_(True)
    out, _ = model.rnn(x[:, 4:], (states[0], c))
    loss = ((model.head(out[:, -1]).squeeze(-1) - y) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, c)
    assert abs(grad[0].norm(dim=-1).mean().item() - norms[3]) < 1e-12 * (1 + norms[3])


def test_cell_state_gradients_need_an_lstm():
    with pytest.raises(ValueError, match="only an LSTM has a cell state"):
        hidden_state_gradients(adding_regressor("gru", 3), *batch(2, 4, seed=0,
                                                                dtype=torch.float32),
                               cell_state=True)


def test_hidden_state_gradient_at_the_last_step_is_the_readout_gradient():
    torch.manual_seed(3)
    model = adding_regressor("gru", 4).double()
    x, y = batch(3, 6, seed=4)
    with torch.no_grad():
        residual = model(x) - y
    expected = (2 * residual.abs() * model.head.weight.norm()).mean().item()
    assert abs(hidden_state_gradients(model, x, y)[-1] - expected) < 1e-12


def test_hidden_state_gradients_leave_parameter_gradients_alone():
    model = adding_regressor("lstm", 3).double()
    hidden_state_gradients(model, *batch(2, 5, seed=5))
    assert all(p.grad is None for p in model.parameters())


def test_hidden_state_gradients_reject_bad_shapes():
    model = adding_regressor("rnn", 3)
    x, y = batch(2, 5, seed=6, dtype=torch.float32)
    with pytest.raises(ValueError, match=r"expected shapes \(N, T, D\) and \(N,\)"):
        hidden_state_gradients(model, x, y[:1])


def test_train_adding_learns_a_short_adding_problem(one_thread):
    model, history = train_adding("gru", 8, steps=300, hidden_size=16, lr=1e-2, seed=0,
                                  eval_size=200)
    mses = history.metric("test_mse")
    assert len(history.train_loss) == 300 and len(mses) == 10
    assert mses[-1] < 0.05 < 0.1 < mses[0]     # far below the 0.167 of predicting the mean
