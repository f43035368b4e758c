"""The Cho et al. (2014) GRU: forward against an independent torch autograd version, backward
against finite differences and autograd, and its relation to PyTorch's GRU."""

import numpy as np
import pytest
import torch

from rnncourse import reference as ref
from rnncourse.reference.gru_variants import (
    cho_gru_backward,
    cho_gru_forward,
    cho_gru_step_backward,
    cho_gru_step_forward,
)


def problem(n=3, t=5, d=4, h=3, seed=0):
    rng = np.random.default_rng(seed)
    params = ref.init_params("gru", d, h, scheme="pytorch", rng=rng)
    return rng, params, rng.standard_normal((n, t, d)), rng.standard_normal((n, h))


def torch_cho_gru(x, h0, params):
    """Cho et al.'s equations written directly with torch ops (autograd does the backward)."""
    w_ih, w_hh, b_ih, b_hh = (params[k] for k in ref.PARAM_NAMES)
    w_ir, w_iz, w_in = w_ih.chunk(3)
    w_hr, w_hz, w_hn = w_hh.chunk(3)
    b_ir, b_iz, b_in = b_ih.chunk(3)
    b_hr, b_hz, b_hn = b_hh.chunk(3)
    h, out = h0, []
    for t in range(x.shape[1]):
        xt = x[:, t]
        r = torch.sigmoid(xt @ w_ir.T + b_ir + h @ w_hr.T + b_hr)
        z = torch.sigmoid(xt @ w_iz.T + b_iz + h @ w_hz.T + b_hz)
        n = torch.tanh(xt @ w_in.T + b_in + (r * h) @ w_hn.T + b_hn)
        h = (1 - z) * n + z * h
        out.append(h)
    return torch.stack(out, dim=1)


def test_sequence_matches_autograd():
    rng, params, x, h0 = problem()
    hs, cache = cho_gru_forward(x, h0, params)
    dhs = rng.standard_normal(hs.shape)
    dx, dh0, grads = cho_gru_backward(dhs, cache)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    out = torch_cho_gru(xt, h0t, tp)
    (out * torch.tensor(dhs)).sum().backward()

    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), rtol=0, atol=1e-12)
    for name, g in grads.items():
        np.testing.assert_allclose(g, tp[name].grad.numpy(), rtol=0, atol=1e-12)


def test_step_backward_matches_finite_differences():
    rng, params, x, h0 = problem(n=2, t=1, d=3, h=4, seed=1)
    x = x[:, 0]
    h, cache = cho_gru_step_forward(x, h0, params)
    dh = rng.standard_normal(h.shape)
    dx, dh_prev, grads = cho_gru_step_backward(dh, cache)

    def f():
        return cho_gru_step_forward(x, h0, params)[0]

    assert ref.rel_error(dx, ref.numerical_gradient(f, x, dh)) < 1e-8
    assert ref.rel_error(dh_prev, ref.numerical_gradient(f, h0, dh)) < 1e-8
    for name in grads:
        assert ref.rel_error(grads[name], ref.numerical_gradient(f, params[name], dh)) < 1e-8


def test_step_equals_one_step_sequence():
    _, params, x, h0 = problem(t=1)
    h_step, _ = cho_gru_step_forward(x[:, 0], h0, params)
    hs, _ = cho_gru_forward(x, h0, params)
    np.testing.assert_allclose(h_step, hs[:, 0], rtol=0, atol=1e-14)


def test_differs_from_pytorch_convention_with_same_weights():
    _, params, x, h0 = problem(seed=2)
    cho, _ = cho_gru_forward(x, h0, params)
    torch_style, _ = ref.gru_forward(x, h0, params)
    assert np.abs(cho - torch_style).max() > 1e-3


def test_coincides_with_pytorch_convention_when_reset_gate_is_one():
    _, params, x, h0 = problem(seed=3)
    h = h0.shape[1]
    params["bias_ih"][:h] = 40.0          # sigma(40) == 1.0 in float64: r = 1 exactly
    cho, _ = cho_gru_forward(x, h0, params)
    torch_style, _ = ref.gru_forward(x, h0, params)
    np.testing.assert_allclose(cho, torch_style, rtol=0, atol=1e-14)


def test_rejects_lstm_shaped_params():
    _, _, x, h0 = problem(d=4, h=3)
    lstm_params = ref.init_params("lstm", 4, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="weight_hh"):
        cho_gru_forward(x, h0, lstm_params)
