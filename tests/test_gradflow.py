"""Gradient-flow tools agree with explicit Jacobians, autograd and the theory of linear maps."""

import numpy as np
import pytest

from rnncourse import reference as ref
from rnncourse.reference import gradflow as gf


def rnn_problem(seed=0, n=4, t=12, d=3, h=6):
    rng = np.random.default_rng(seed)
    params = ref.init_params("rnn", d, h, scheme="pytorch", rng=rng)
    return rng, params, rng.standard_normal((n, t, d))


def test_spectral_radius_and_rescaling():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 8))
    assert gf.spectral_radius(np.diag([0.5, -2.0, 1.0])) == pytest.approx(2.0)
    assert gf.spectral_radius(gf.with_spectral_radius(w, 1.3)) == pytest.approx(1.3)
    with pytest.raises(ValueError, match="square"):
        gf.spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="positive"):
        gf.with_spectral_radius(w, 0.0)


def test_step_jacobians_match_finite_differences():
    _, params, x = rnn_problem()
    hs, _ = ref.rnn_forward(x[:1], None, params)
    jac = gf.step_jacobians(hs[0], params["weight_hh"])
    t = 5                                            # J[t] = dh_{t+1} / dh_t
    h_t = hs[0, t].copy()

    def step():
        h, _ = ref.rnn_step_forward(x[:1, t + 1], h_t[None], params)
        return h[0]

    numeric = np.stack([ref.numerical_gradient(step, h_t, dout=np.eye(6)[i]) for i in range(6)])
    assert ref.rel_error(jac[t + 1], numeric) < 1e-8


def test_state_grad_norms_match_explicit_jacobian_products():
    _, params, x = rnn_problem(seed=1, n=1)
    hs, _ = ref.rnn_forward(x, None, params)
    jac = gf.step_jacobians(hs[0], params["weight_hh"])
    v = np.full(6, 1 / np.sqrt(6))
    expected, g = [1.0], v
    for j in jac[::-1]:
        g = j.T @ g
        expected.append(np.linalg.norm(g))
    assert np.allclose(gf.state_grad_norms(x, params), expected, rtol=1e-12)


def test_state_grad_norms_agree_with_autograd():
    torch = pytest.importorskip("torch")
    from rnncourse.interop import params_to_torch
    _, params, x = rnn_problem(seed=2)
    cell = torch.nn.RNNCell(3, 6).double()
    params_to_torch(params, cell)
    h = torch.zeros(4, 6, dtype=torch.float64)
    states = [h.requires_grad_(True)]
    for t in range(x.shape[1]):
        h = cell(torch.as_tensor(x[:, t]), h)
        h.retain_grad()
        states.append(h)
    (h.sum() / np.sqrt(6)).backward()
    autograd = [s.grad.norm(dim=1).mean().item() for s in reversed(states)]
    assert np.allclose(gf.state_grad_norms(x, params), autograd, rtol=1e-10)


def test_linear_regime_follows_the_spectral_radius():
    """With zero input and zero state, tanh' = 1: an orthogonal W scaled by rho gives rho**k."""
    rng = np.random.default_rng(3)
    params = ref.init_params("rnn", 2, 10, scheme="orthogonal", rng=rng)
    x = np.zeros((1, 30, 2))
    for rho in (0.5, 1.0, 1.5):
        params["weight_hh"] = rho * ref.orthogonal(10, 10, rng)
        assert np.allclose(gf.state_grad_norms(x, params), rho ** np.arange(31), rtol=1e-10)


def test_jacobian_product_norms_bound_the_gradient():
    _, params, x = rnn_problem(seed=4, n=1, t=20)
    hs, _ = ref.rnn_forward(x, None, params)
    bound = gf.jacobian_product_norms(gf.step_jacobians(hs[0], params["weight_hh"]))
    actual = gf.state_grad_norms(x, params)           # |dL/dh_T| = 1
    assert bound[0] == 1.0 and bound.shape == (21,)
    assert np.all(actual <= bound + 1e-12) and bound[-1] < bound[1]


def test_global_norm_and_angle():
    a = {"w": np.array([3.0, 0.0]), "b": np.array([4.0])}
    b = {"w": np.array([0.0, 1.0]), "b": np.array([0.0])}
    assert ref.global_norm(a) == 5.0
    assert gf.angle_degrees(a, a) == pytest.approx(0.0, abs=1e-6)
    assert gf.angle_degrees(a, b) == pytest.approx(90.0)
    with pytest.raises(ValueError, match="same keys"):
        gf.angle_degrees(a, {"w": a["w"]})


def test_mlp_grad_norms_match_autograd_and_vanish_with_depth():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    layers = [(rng.standard_normal((16, 16)) * 0.5 / 4, np.zeros(16)) for _ in range(12)]
    x = rng.standard_normal((8, 16))
    norms = gf.mlp_grad_norms(x, layers, "tanh")
    h = torch.as_tensor(x).requires_grad_(True)
    outs = []
    for w, b in layers:
        h = torch.tanh(h @ torch.as_tensor(w).T + torch.as_tensor(b))
        h.retain_grad()
        outs.append(h)
    (h.sum() / 4.0).backward()
    expected = [o.grad.norm(dim=1).mean().item() for o in outs]
    assert np.allclose(norms, expected, rtol=1e-10)
    assert norms[0] < 1e-3 * norms[-1]
    with pytest.raises(ValueError, match="activation"):
        gf.mlp_grad_norms(x, layers, "gelu")


def test_torch_input_grad_norms_shape_and_decay():
    torch = pytest.importorskip("torch")
    from rnncourse.apps.longrange import torch_input_grad_norms

    torch.manual_seed(0)
    rnn = torch.nn.RNN(4, 32, batch_first=True)
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(0.3)
    norms = torch_input_grad_norms(rnn, torch.randn(8, 40, 4))
    assert norms.shape == (40,)
    assert norms[0] < 1e-6 * norms[-1]
