"""The linear scan: every parallel form equals the sequential loop (NumPy, float64) for awkward
lengths and gates near 0 and 1; the backward is a reverse scan that agrees with finite
differences; PyTorch's parallel_scan and its autograd gradients equal the NumPy reference."""

import numpy as np
import pytest
import torch

from rnncourse.reference import numerical_gradient, rel_error
from rnncourse.reference.scan import (
    PARALLEL_SCANS,
    chunked_scan,
    combine,
    linear_scan,
    linear_scan_backward,
)
from rnncourse.torch.scan import METHODS, default_chunk, parallel_scan

LENGTHS = (1, 2, 7, 12, 33)                       # T = 1, odd, not powers of two
GATES = {"mixed": (0.0, 1.0), "near 0": (1e-9, 1e-4), "near 1": (1 - 1e-6, 1.0),
         "zero": (0.0, 0.5), "positive": (0.05, 1.0)}


def problem(steps, gates, seed=0, n=3, hid=4):
    rng = np.random.default_rng([seed, steps])
    low, high = GATES[gates]
    a = rng.uniform(low, high, (n, steps, hid))
    if gates == "zero":
        a[0, ::2, 0] = 0.0                        # exact zeros: the state is forgotten
    return (a, rng.standard_normal((n, steps, hid)), rng.standard_normal((n, hid)),
            rng.standard_normal((n, steps, hid)))


def test_combine_is_associative_and_composes_steps():
    rng = np.random.default_rng(0)
    p, q, r = ((rng.standard_normal(3), rng.standard_normal(3)) for _ in range(3))
    left, right = combine(combine(p, q), r), combine(p, combine(q, r))
    np.testing.assert_allclose(left, right, rtol=1e-12)
    h = rng.standard_normal(3)
    a, b = combine(p, q)
    np.testing.assert_allclose(a * h + b, q[0] * (p[0] * h + p[1]) + q[1], rtol=1e-12)
    assert not np.allclose(combine(p, q), combine(q, p))          # order matters


@pytest.mark.parametrize("steps", LENGTHS)
@pytest.mark.parametrize("gates", GATES)
def test_parallel_forms_equal_the_loop(steps, gates):
    a, b, h0, _ = problem(steps, gates)
    hs, _ = linear_scan(a, b, h0)
    for name, scan in PARALLEL_SCANS.items():
        if name == "log" and gates == "zero":
            continue
        np.testing.assert_allclose(scan(a, b, h0), hs, rtol=0, atol=1e-10, err_msg=name)
    for chunk in (1, 3, 64):
        np.testing.assert_allclose(chunked_scan(a, b, h0, chunk=chunk), hs, rtol=0, atol=1e-10)


def test_loop_is_the_recurrence_and_h0_defaults_to_zeros():
    a, b, h0, _ = problem(5, "mixed")
    hs, _ = linear_scan(a, b, h0)
    np.testing.assert_allclose(hs[:, 2], a[:, 2] * (a[:, 1] * (a[:, 0] * h0 + b[:, 0])
                                                     + b[:, 1]) + b[:, 2], rtol=1e-13)
    np.testing.assert_array_equal(linear_scan(a, b)[0], linear_scan(a, b, 0 * h0)[0])


@pytest.mark.parametrize("steps", (1, 6))
@pytest.mark.parametrize("gates", ("mixed", "near 0", "near 1", "zero"))
def test_backward_matches_finite_differences(steps, gates):
    a, b, h0, dhs = problem(steps, gates, seed=1, n=2, hid=3)
    _, cache = linear_scan(a, b, h0)
    grads = linear_scan_backward(dhs, cache)

    def states():
        return linear_scan(a, b, h0)[0]

    for analytic, wrt in zip(grads, (a, b, h0), strict=True):
        assert rel_error(analytic, numerical_gradient(states, wrt, dhs)) < 1e-6


def test_backward_is_the_loop_run_backwards():
    """dL/db_t = g_t with g_t = dhs_t + a_{t+1} g_{t+1}, written out for the last steps."""
    a, b, h0, dhs = problem(4, "mixed")
    _, db, _ = linear_scan_backward(dhs, linear_scan(a, b, h0)[1])
    np.testing.assert_allclose(db[:, -1], dhs[:, -1])
    np.testing.assert_allclose(db[:, -2], dhs[:, -2] + a[:, -1] * dhs[:, -1])


def test_log_space_scan_rejects_non_positive_gates():
    a, b, h0, _ = problem(5, "zero")
    with pytest.raises(ValueError, match="expects a > 0, got 3 entries <= 0"):
        PARALLEL_SCANS["log"](a, b, h0)


@pytest.mark.parametrize("call,message", [
    (lambda: linear_scan(np.ones((2, 3)), np.ones((2, 3))), r"\(N, T, H\), got 2-d"),
    (lambda: linear_scan(np.ones((2, 3, 4)), np.ones((2, 3, 5))),
     r"b: expected shape \(2, 3, 4\).*got \(2, 3, 5\)"),
    (lambda: linear_scan(np.ones((2, 3, 4)), np.ones((2, 3, 4)), np.ones((4,))),
     r"h0: expected shape \(N=2, H=4\), got \(4,\)"),
    (lambda: linear_scan(np.ones((2, 0, 4)), np.ones((2, 0, 4))), "T >= 1"),
    (lambda: linear_scan(np.full((1, 2, 1), np.nan), np.ones((1, 2, 1))), "2 NaN/inf"),
    (lambda: chunked_scan(np.ones((1, 2, 1)), np.ones((1, 2, 1)), chunk=0), "chunk"),
    (lambda: linear_scan_backward(np.ones((1, 2, 1)), linear_scan(np.ones((1, 3, 1)),
                                                                 np.ones((1, 3, 1)))[1]),
     r"dhs: expected shape \(1, 3, 1\)"),
])
def test_bad_inputs_name_what_was_expected(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("steps", (1, 7, 33))
def test_torch_scan_and_its_autograd_equal_the_reference(method, steps):
    # the log-space gradient of a passes through 1 / a: gates near 0 amplify its rounding
    gates = "positive" if method == "log" else "zero"
    a, b, h0, dhs = problem(steps, gates, seed=2)
    hs, cache = linear_scan(a, b, h0)
    expected = linear_scan_backward(dhs, cache)
    chunks = (None, 2, 5) if method == "chunked" else (None,)
    for chunk in chunks:
        tensors = [torch.tensor(v, requires_grad=True) for v in (a, b, h0)]
        out = parallel_scan(*tensors, method=method, chunk=chunk)
        out.backward(torch.tensor(dhs))
        np.testing.assert_allclose(out.detach().numpy(), hs, rtol=0, atol=1e-10)
        for tensor, grad in zip(tensors, expected, strict=True):
            np.testing.assert_allclose(tensor.grad.numpy(), grad, rtol=0, atol=1e-10)


@pytest.mark.parametrize("gates", ("near 0", "near 1"))
def test_torch_log_space_forward_for_extreme_gates(gates):
    a, b, h0, _ = problem(33, gates)
    out = parallel_scan(*(torch.tensor(v) for v in (a, b, h0)), method="log")
    np.testing.assert_allclose(out.numpy(), linear_scan(a, b, h0)[0], rtol=0, atol=1e-10)


def test_torch_scan_handles_complex_gates_and_missing_h0():
    rng = np.random.default_rng(3)
    a = rng.uniform(0.5, 1, (2, 9, 3)) * np.exp(1j * rng.uniform(0, 3, (2, 9, 3)))
    b = rng.standard_normal((2, 9, 3)) + 1j * rng.standard_normal((2, 9, 3))
    hs, _ = linear_scan(a, b)
    for method in ("loop", "hillis_steele", "blelloch", "chunked"):
        out = parallel_scan(torch.tensor(a), torch.tensor(b), method=method)
        np.testing.assert_allclose(out.numpy(), hs, rtol=0, atol=1e-12)


def test_default_chunk_is_about_sqrt_t():
    assert [default_chunk(t) for t in (1, 64, 1000, 4096)] == [1, 8, 32, 64]


@pytest.mark.parametrize("call,message", [
    (lambda: parallel_scan(torch.ones(2, 3), torch.ones(2, 3)), r"got shape \(2, 3\)"),
    (lambda: parallel_scan(torch.ones(2, 3, 4), torch.ones(2, 3, 1)), r"got \(2, 3, 1\)"),
    (lambda: parallel_scan(torch.ones(2, 3, 4), torch.ones(2, 3, 4), torch.ones(3, 4)),
     r"h0: expected shape \(B=2, H=4\), got \(3, 4\)"),
    (lambda: parallel_scan(torch.ones(1, 2, 1), torch.ones(1, 2, 1), method="fft"), "fft"),
    (lambda: parallel_scan(-torch.ones(1, 2, 1), torch.ones(1, 2, 1), method="log"), "a > 0"),
    (lambda: parallel_scan(torch.ones(1, 2, 1), torch.ones(1, 2, 1), chunk=0), "chunk"),
])
def test_torch_scan_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("method", METHODS)
def test_torch_scan_on_cuda_equals_the_cpu(method):
    torch.manual_seed(0)
    a, b = torch.rand(2, 100, 8, dtype=torch.float64) + 0.01, torch.randn(2, 100, 8,
                                                                           dtype=torch.float64)
    expected = parallel_scan(a, b, method="loop")
    out = parallel_scan(a.cuda(), b.cuda(), method=method).cpu()
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-10)
