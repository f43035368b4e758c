"""Activations, losses, optimisers and initialisers: stability and known values."""

import warnings

import numpy as np
import pytest
import torch

from rnncourse import reference as ref

EXTREME = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0]])


def test_activations_are_stable_at_plus_minus_1000():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ref.sigmoid(EXTREME)
        p = ref.softmax(EXTREME)
        lp = ref.log_softmax(EXTREME)
        loss, d = ref.cross_entropy(EXTREME, np.array([0, 1]))
    assert np.array_equal(s[0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(lp[0], [-2000.0, -1000.0, 0.0])
    np.testing.assert_allclose(lp[1, :2], [-np.log(2)] * 2)
    assert np.isfinite(loss) and np.isfinite(d).all()
    np.testing.assert_allclose(loss, (2000.0 + np.log(2)) / 2)


def test_sigmoid_keeps_relative_precision_far_below_zero():
    """sigmoid(-40) = e^-40 / (1 + e^-40) ~ 4.25e-18, not 0 (chapter 6 quotes the value)."""
    x = np.array([-40.0, -200.0, -700.0])
    exact = np.exp(x) / (1.0 + np.exp(x))                 # no cancellation for x < 0
    np.testing.assert_allclose(ref.sigmoid(x), exact, rtol=1e-14, atol=0)
    assert abs(ref.sigmoid(-40.0) / 4.248354255291589e-18 - 1) < 1e-12
    assert ref.sigmoid(np.float32(-40.0)).dtype == np.float32


def test_activations_match_torch():
    x = np.random.default_rng(0).standard_normal((4, 7)) * 10
    xt = torch.tensor(x)
    np.testing.assert_allclose(ref.sigmoid(x), torch.sigmoid(xt).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ref.log_softmax(x), torch.log_softmax(xt, -1).numpy(), atol=1e-13)
    np.testing.assert_allclose(ref.softmax(x, axis=0), torch.softmax(xt, 0).numpy(), atol=1e-15)
    s, t = ref.sigmoid(x), ref.tanh(x)
    np.testing.assert_allclose(ref.sigmoid_grad_from_output(s), s * (1 - s))
    np.testing.assert_allclose(ref.tanh_grad_from_output(t), 1 / np.cosh(x) ** 2, atol=1e-15)


def test_cross_entropy_matches_torch_with_padding():
    rng = np.random.default_rng(1)
    logits, targets = rng.standard_normal((3, 4, 6)), rng.integers(0, 6, (3, 4))
    mask = rng.random((3, 4)) > 0.3
    loss, _ = ref.cross_entropy(logits, targets, mask)
    t = torch.tensor(np.where(mask, targets, -100))
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits).reshape(-1, 6),
                                                 t.reshape(-1), ignore_index=-100)
    np.testing.assert_allclose(loss, expected.item(), rtol=1e-13)


def test_clip_grad_norm_is_g_times_min_1_c_over_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    norm = ref.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0])
    np.testing.assert_allclose(grads["b"], [[0.8]])
    small = {"a": np.array([0.3, 0.4])}
    ref.clip_grad_norm(small, 1.0)
    np.testing.assert_array_equal(small["a"], [0.3, 0.4])   # below the threshold: untouched
    grads = {"a": np.array([3.0, -0.5])}
    ref.clip_grad_value(grads, 1.0)
    np.testing.assert_array_equal(grads["a"], [1.0, -0.5])
    with pytest.raises(ValueError, match="max_norm"):
        ref.clip_grad_norm(grads, 0)


@pytest.mark.parametrize("ours, theirs", [
    (lambda: ref.SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda: ref.Momentum(0.1, 0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (lambda: ref.Adagrad(0.1, eps=1e-10), lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-10)),
    (lambda: ref.Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
])
def test_optimisers_match_torch(ours, theirs):
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((3, 2))
    params, tw = {"w": w0.copy()}, torch.tensor(w0.copy(), requires_grad=True)
    opt, topt = ours(), theirs([tw])
    for _ in range(5):
        g = rng.standard_normal((3, 2))
        opt.step(params, {"w": g.copy()})
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(params["w"], tw.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_optimiser_rejects_mismatched_grads():
    with pytest.raises(ValueError, match=r"grads\['w'\]: expected shape \(2,\)"):
        ref.SGD(0.1).step({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(ValueError, match="lr"):
        ref.Adam(lr=-1)


@pytest.mark.parametrize("cell, g", [("rnn", 1), ("lstm", 4), ("gru", 3)])
@pytest.mark.parametrize("scheme", ref.SCHEMES)
def test_init_schemes(cell, g, scheme):
    params = ref.init_params(cell, 3, 8, scheme, rng=np.random.default_rng(0))
    assert params["weight_ih"].shape == (g * 8, 3) and params["weight_hh"].shape == (g * 8, 8)
    block = params["weight_hh"][:8]
    if scheme in ("orthogonal", "identity"):
        np.testing.assert_allclose(block @ block.T, np.eye(8), atol=1e-12)
    if scheme == "pytorch":
        assert np.abs(params["bias_hh"]).max() <= 1 / np.sqrt(8)
    else:
        forget = slice(8, 16) if cell == "lstm" else slice(0, 0)
        assert np.all(params["bias_ih"][forget] == 1.0)
        assert not np.delete(params["bias_ih"], np.r_[forget]).any()
        assert not params["bias_hh"].any()


def test_init_is_reproducible_and_validated():
    a = ref.init_params("gru", 2, 3, rng=np.random.default_rng(5))
    b = ref.init_params("gru", 2, 3, rng=np.random.default_rng(5))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="scheme: expected one of"):
        ref.init_params("gru", 2, 3, scheme="normal")
    with pytest.raises(ValueError, match="cell: expected one of"):
        ref.init_params("transformer", 2, 3)
