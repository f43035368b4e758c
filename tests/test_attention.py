"""Additive attention in the NumPy reference: finite differences, torch autograd, masking."""

import numpy as np
import pytest
import torch

from rnncourse.reference import numerical_gradient, rel_error
from rnncourse.reference.attention import (
    additive_attention_backward,
    additive_attention_forward,
)

N, S, HQ, HK, A = 3, 5, 4, 6, 7


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    params = {"W_q": rng.normal(size=(A, HQ)) * 0.5, "W_k": rng.normal(size=(A, HK)) * 0.5,
              "v": rng.normal(size=A)}
    query, keys = rng.normal(size=(N, HQ)), rng.normal(size=(N, S, HK))
    mask = np.ones((N, S), dtype=bool)
    mask[1, 3:] = False                                       # sequence 1 has length 3
    mask[2, 1:] = False                                       # sequence 2 has length 1
    dcontext = rng.normal(size=(N, HK))
    return query, keys, params, mask, dcontext


def test_weights_are_a_distribution_and_ignore_masked_positions(problem):
    query, keys, params, mask, _ = problem
    (context, weights), _ = additive_attention_forward(query, keys, params, mask)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert (weights[~mask] == 0).all()
    np.testing.assert_allclose(context[2], keys[2, 0])         # one real key: context = it
    keys2 = keys.copy()
    keys2[1, 3:] = 1e3                                         # changing padding changes nothing
    (context2, _), _ = additive_attention_forward(query, keys2, params, mask)
    np.testing.assert_array_equal(context2, context)


@pytest.mark.parametrize("use_mask", [False, True])
def test_backward_matches_finite_differences(problem, use_mask):
    query, keys, params, mask, dcontext = problem
    mask = mask if use_mask else None
    (_, _), cache = additive_attention_forward(query, keys, params, mask)
    dquery, dkeys, grads = additive_attention_backward(dcontext, cache)

    def f():
        return additive_attention_forward(query, keys, params, mask)[0][0]

    checks = {"query": (dquery, query), "keys": (dkeys, keys)}
    checks.update({k: (grads[k], params[k]) for k in ("W_q", "W_k", "v")})
    for name, (analytic, array) in checks.items():
        numeric = numerical_gradient(f, array, dcontext)
        assert rel_error(analytic, numeric) < 1e-7, name


def test_backward_matches_torch_autograd(problem):
    query, keys, params, mask, dcontext = problem
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    q, k = torch.tensor(query, requires_grad=True), torch.tensor(keys, requires_grad=True)
    scores = torch.tanh((q @ t["W_q"].T)[:, None] + k @ t["W_k"].T) @ t["v"]
    weights = torch.softmax(scores.masked_fill(~torch.tensor(mask), float("-inf")), dim=1)
    context = torch.einsum("ns,nsh->nh", weights, k)
    context.backward(torch.tensor(dcontext))

    (ctx, w), cache = additive_attention_forward(query, keys, params, mask)
    dquery, dkeys, grads = additive_attention_backward(dcontext, cache)
    np.testing.assert_allclose(ctx, context.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(w, weights.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dquery, q.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(dkeys, k.grad.numpy(), atol=1e-12)
    for name in ("W_q", "W_k", "v"):
        np.testing.assert_allclose(grads[name], t[name].grad.numpy(), atol=1e-12)


def test_input_validation(problem):
    query, keys, params, mask, dcontext = problem
    with pytest.raises(ValueError, match=r"keys: expected shape \(N=3, S, Hk\)"):
        additive_attention_forward(query, keys[:2], params)
    with pytest.raises(ValueError, match=r"W_k'\]: expected shape \(A=7, Hk=6\)"):
        additive_attention_forward(query, keys, {**params, "W_k": params["W_k"][:, :5]})
    with pytest.raises(ValueError, match="bool array of shape"):
        additive_attention_forward(query, keys, params, mask.astype(int))
    bad = mask.copy()
    bad[0] = False
    with pytest.raises(ValueError, match=r"rows \[0\] have none"):
        additive_attention_forward(query, keys, params, bad)
    _, cache = additive_attention_forward(query, keys, params, mask)
    with pytest.raises(ValueError, match="dcontext: expected shape"):
        additive_attention_backward(dcontext[:, :2], cache)
