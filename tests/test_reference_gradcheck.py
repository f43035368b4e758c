"""Every hand-written backward agrees with centred finite differences."""

import numpy as np
import pytest
from _cells import CELLS, random_problem

from rnncourse import reference as ref
from rnncourse.reference import numerical_gradient, rel_error

STEP_TOL, SEQ_TOL = 1e-8, 1e-6


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("seed", [0, 1])
def test_step_backward_matches_finite_differences(cell, seed):
    rng0 = np.random.default_rng(100 + seed)
    n, d, h = (int(v) for v in rng0.integers(1, 5, size=3))
    rng, params, x3, h_prev, c_prev = random_problem(cell, n, 1, d, h, seed)
    x = x3[:, 0]
    h_new, c_new, cache = ref.step_forward(cell, x, h_prev, params, c_prev)
    dh = rng.standard_normal(h_new.shape)
    dc = rng.standard_normal(h_new.shape) if cell == "lstm" else None
    dx, dh_prev, dc_prev, grads = ref.step_backward(dh, cache, dc)

    def loss():
        h_out, c_out, _ = ref.step_forward(cell, x, h_prev, params, c_prev)
        return np.sum(h_out * dh) + (np.sum(c_out * dc) if cell == "lstm" else 0.0)

    checks = [(dx, x), (dh_prev, h_prev)] + [(grads[k], params[k]) for k in params]
    if cell == "lstm":
        checks.append((dc_prev, c_prev))
    for analytic, wrt in checks:
        assert rel_error(analytic, numerical_gradient(loss, wrt)) < STEP_TOL


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (1, 1, 2, 1), (3, 7, 1, 2)])
def test_sequence_backward_matches_finite_differences(cell, shape):
    n, t, d, h = shape
    rng, params, x, h0, c0 = random_problem(cell, n, t, d, h, seed=sum(shape))
    hs, c_t, cache = ref.sequence_forward(cell, x, h0, params, c0)
    dhs = rng.standard_normal(hs.shape)
    dc_t = rng.standard_normal(c_t.shape) if cell == "lstm" else None
    dx, dh0, dc0, grads = ref.sequence_backward(dhs, cache, dc_t)

    def loss():
        hs_, c_, _ = ref.sequence_forward(cell, x, h0, params, c0)
        return np.sum(hs_ * dhs) + (np.sum(c_ * dc_t) if cell == "lstm" else 0.0)

    checks = [(dx, x), (dh0, h0)] + [(grads[k], params[k]) for k in params]
    if cell == "lstm":
        checks.append((dc0, c0))
    for analytic, wrt in checks:
        assert rel_error(analytic, numerical_gradient(loss, wrt)) < SEQ_TOL


def test_sequence_equals_steps_in_a_loop():
    """The hoisted sequence forward computes exactly the per-step recurrence."""
    _, params, x, h0, c0 = random_problem("lstm", 2, 4, 3, 5, seed=3)
    hs, c_t, _ = ref.lstm_forward(x, h0, c0, params)
    h, c = h0, c0
    for t in range(x.shape[1]):
        h, c, _ = ref.lstm_step_forward(x[:, t], h, c, params)
        np.testing.assert_allclose(hs[:, t], h, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c_t, c, rtol=0, atol=1e-14)


def test_layers_backward_match_finite_differences():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 4))
    w, b = rng.standard_normal((5, 4)), rng.standard_normal(5)
    out, cache = ref.temporal_affine_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, grads = ref.temporal_affine_backward(dout, cache)

    def affine():
        return ref.temporal_affine_forward(x, w, b)[0]

    assert rel_error(dx, numerical_gradient(affine, x, dout)) < STEP_TOL
    assert rel_error(grads["weight"], numerical_gradient(affine, w, dout)) < STEP_TOL
    assert rel_error(grads["bias"], numerical_gradient(affine, b, dout)) < STEP_TOL

    idx = np.array([[0, 2, 2], [1, 0, 2]])
    table = rng.standard_normal((4, 3))
    emb, cache = ref.embedding_forward(idx, table)
    demb = rng.standard_normal(emb.shape)
    dtable = ref.embedding_backward(demb, cache)["weight"]
    num = numerical_gradient(lambda: ref.embedding_forward(idx, table)[0], table, demb)
    assert rel_error(dtable, num) < STEP_TOL

    logits = rng.standard_normal((2, 3, 5))
    targets = rng.integers(0, 5, size=(2, 3))
    mask = np.array([[True, True, False], [True, False, False]])
    _, dlogits = ref.cross_entropy(logits, targets, mask)
    num = numerical_gradient(lambda: ref.cross_entropy(logits, targets, mask)[0], logits)
    assert rel_error(dlogits, num) < STEP_TOL
    assert np.all(dlogits[~mask] == 0)

    pred, target = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    _, dpred = ref.mse_loss(pred, target)
    assert rel_error(dpred, numerical_gradient(lambda: ref.mse_loss(pred, target)[0], pred)) \
        < STEP_TOL
