"""The NumPy reference agrees with torch.nn.RNN/LSTM/GRU (float64, same weights) to 1e-10."""

import numpy as np
import pytest
import torch
from _cells import CELLS, random_problem

from rnncourse import reference as ref
from rnncourse.interop import params_from_torch, params_to_torch

TOL = 1e-10
MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CELL_MODULES = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}


def t64(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def assert_close(ours, theirs):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", [(4, 9, 3, 5), (1, 6, 2, 3), (3, 1, 4, 2), (2, 5, 3, 1),
                                   (1, 1, 1, 1)])
def test_sequence_matches_torch_nn(cell, shape):
    n, t, d, h = shape
    rng, params, x, h0, c0 = random_problem(cell, n, t, d, h, seed=n * 100 + t)
    module = MODULES[cell](d, h, batch_first=True).double()
    params_to_torch(params, module)

    hs, c_t, cache = ref.sequence_forward(cell, x, h0, params, c0)
    dhs = rng.standard_normal(hs.shape)
    dc_t = rng.standard_normal(h0.shape) if cell == "lstm" else None
    dx, dh0, dc0, grads = ref.sequence_backward(dhs, cache, dc_t)

    xt, h0t = t64(x), t64(h0[None])
    if cell == "lstm":
        c0t = t64(c0[None])
        out, (_, c_tt) = module(xt, (h0t, c0t))
        loss = (out * torch.tensor(dhs)).sum() + (c_tt[0] * torch.tensor(dc_t)).sum()
    else:
        out, _ = module(xt, h0t)
        loss = (out * torch.tensor(dhs)).sum()
    loss.backward()

    assert_close(hs, out)
    assert_close(dx, xt.grad)
    assert_close(dh0, h0t.grad[0])
    if cell == "lstm":
        assert_close(c_t, c_tt[0])
        assert_close(dc0, c0t.grad[0])
    for name, g in grads.items():
        assert_close(g, getattr(module, name + "_l0").grad)


@pytest.mark.parametrize("cell", CELLS)
def test_step_matches_torch_cell(cell):
    rng, params, x3, h_prev, c_prev = random_problem(cell, 3, 1, 4, 6, seed=11)
    x = x3[:, 0]
    module = CELL_MODULES[cell](4, 6).double()
    params_to_torch(params, module)
    h_new, c_new, cache = ref.step_forward(cell, x, h_prev, params, c_prev)
    dh = rng.standard_normal(h_new.shape)
    dc = rng.standard_normal(h_new.shape) if cell == "lstm" else None
    dx, dh_prev, dc_prev, grads = ref.step_backward(dh, cache, dc)

    xt, ht = t64(x), t64(h_prev)
    if cell == "lstm":
        ct = t64(c_prev)
        h_t, c_t = module(xt, (ht, ct))
        ((h_t * torch.tensor(dh)).sum() + (c_t * torch.tensor(dc)).sum()).backward()
        assert_close(c_new, c_t)
        assert_close(dc_prev, ct.grad)
    else:
        h_t = module(xt, ht)
        (h_t * torch.tensor(dh)).sum().backward()
    assert_close(h_new, h_t)
    assert_close(dx, xt.grad)
    assert_close(dh_prev, ht.grad)
    for name, g in grads.items():
        assert_close(g, getattr(module, name).grad)


@pytest.mark.parametrize("cell", CELLS)
def test_interop_round_trip_and_layers(cell):
    module = MODULES[cell](3, 4, num_layers=2).double()
    for layer in (0, 1):
        params = params_from_torch(module, layer)
        assert params["weight_ih"].dtype == np.float64
        other = MODULES[cell](3, 4, num_layers=2).double()
        params_to_torch(params, other, layer)
        np.testing.assert_array_equal(
            getattr(other, f"weight_hh_l{layer}").detach().numpy(), params["weight_hh"])
    with pytest.raises(ValueError, match="layer"):
        params_from_torch(module, layer=2)
    wrong = {k: v[:1] for k, v in params_from_torch(module).items()}
    with pytest.raises(ValueError, match="expected shape"):
        params_to_torch(wrong, module)


def test_interop_bias_false_gives_zero_biases():
    module = torch.nn.GRU(2, 3, bias=False).double()
    params = params_from_torch(module)
    assert not params["bias_ih"].any() and params["bias_hh"].shape == (9,)
    params["bias_ih"][0] = 1.0
    with pytest.raises(ValueError, match="bias=False"):
        params_to_torch(params, module)
