"""minGRU, minLSTM, LRU, the selective SSM and linear attention: the NumPy references equal the
PyTorch modules in float64; the hand-written backward passes agree with finite differences
and with autograd; step-by-step generation equals the parallel forward."""

import numpy as np
import pytest
import torch

from rnncourse import reference as ref
from rnncourse.reference import numerical_gradient, rel_error
from rnncourse.torch import (
    LRU,
    LinearAttention,
    MinGRU,
    MinLSTM,
    MinRNNStack,
    SelectiveSSM,
    parallel_scan,
)

MIN_RNNS = {"mingru": (MinGRU, ref.mingru_forward, ref.mingru_backward),
            "minlstm": (MinLSTM, ref.minlstm_forward, ref.minlstm_backward)}


def numpy_params(module):
    return {k: v.detach().numpy().copy() for k, v in module.state_dict().items()}


def inputs(n, steps, d, seed=0):
    return np.random.default_rng(seed).standard_normal((n, steps, d))


@pytest.mark.parametrize("cell", MIN_RNNS)
@pytest.mark.parametrize("method", ("loop", "blelloch", "chunked"))
def test_min_rnn_torch_equals_numpy_forward_and_backward(cell, method):
    torch.manual_seed(0)
    module_cls, forward, backward = MIN_RNNS[cell]
    module = module_cls(3, 5, method=method).double()
    x, h0 = inputs(2, 9, 3), np.random.default_rng(1).standard_normal((2, 5))
    dhs = np.random.default_rng(2).standard_normal((2, 9, 5))
    hs, cache = forward(x, h0, numpy_params(module))
    dx, dh0, grads = backward(dhs, cache)
    x_t, h0_t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    out, last = module(x_t, h0_t)
    out.backward(torch.tensor(dhs))
    np.testing.assert_allclose(out.detach().numpy(), hs, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(last.detach().numpy(), out.detach().numpy()[:, -1])
    for got, want in [(x_t.grad, dx), (h0_t.grad, dh0)] + [
            (module.get_parameter(k).grad, grads[k]) for k in grads]:
        np.testing.assert_allclose(got.numpy(), want, rtol=0, atol=1e-10)


@pytest.mark.parametrize("cell", MIN_RNNS)
@pytest.mark.parametrize("steps", (1, 4))
def test_min_rnn_backward_matches_finite_differences(cell, steps):
    torch.manual_seed(1)
    module_cls, forward, backward = MIN_RNNS[cell]
    params = numpy_params(module_cls(2, 3).double())
    x, h0 = inputs(2, steps, 2, seed=3), np.random.default_rng(4).standard_normal((2, 3))
    dhs = np.random.default_rng(5).standard_normal((2, steps, 3))
    dx, dh0, grads = backward(dhs, forward(x, h0, params)[1])

    def states():
        return forward(x, h0, params)[0]

    checks = [(dx, x), (dh0, h0)] + [(grads[k], params[k]) for k in params]
    for analytic, wrt in checks:
        assert rel_error(analytic, numerical_gradient(states, wrt, dhs)) < 1e-7


@pytest.mark.parametrize("cell", MIN_RNNS)
def test_min_rnn_steps_equal_the_parallel_forward(cell):
    torch.manual_seed(2)
    module = MIN_RNNS[cell][0](3, 4).double()
    x = torch.tensor(inputs(2, 6, 3))
    hs, _ = module(x)
    h = torch.zeros(2, 4, dtype=torch.float64)
    for t in range(6):
        h = module.step(x[:, t], h)
        torch.testing.assert_close(h, hs[:, t], rtol=0, atol=1e-12)


def torch_layers():
    """(module, NumPy forward, NumPy backward) for the three layers without a state argument."""
    torch.manual_seed(3)
    return [(LRU(4, 6, r_min=0.5, r_max=0.99).double(), ref.lru_forward, ref.lru_backward),
            (SelectiveSSM(4, state_size=3).double(), ref.selective_ssm_forward,
             ref.selective_ssm_backward),
            (LinearAttention(4, key_size=3, value_size=2).double(),
             ref.linear_attention_forward, ref.linear_attention_backward)]


@pytest.mark.parametrize("index", range(3), ids=("lru", "ssm", "linear_attention"))
def test_layers_torch_equal_numpy_forward_and_backward(index):
    module, forward, backward = torch_layers()[index]
    u = inputs(2, 11, 4, seed=6)
    y, cache = forward(u, numpy_params(module))
    dy = np.random.default_rng(7).standard_normal(y.shape)
    du, grads = backward(dy, cache)
    u_t = torch.tensor(u, requires_grad=True)
    out = module(u_t)
    out.backward(torch.tensor(dy))
    np.testing.assert_allclose(out.detach().numpy(), y, rtol=0, atol=1e-10)
    np.testing.assert_allclose(u_t.grad.numpy(), du, rtol=0, atol=1e-10)
    assert set(grads) == {name for name, _ in module.named_parameters()}
    for name, grad in grads.items():
        np.testing.assert_allclose(module.get_parameter(name).grad.numpy(), grad, rtol=0,
                                   atol=1e-10, err_msg=name)


@pytest.mark.parametrize("index", range(3), ids=("lru", "ssm", "linear_attention"))
def test_layer_backward_matches_finite_differences(index):
    module, forward, backward = torch_layers()[index]
    params = numpy_params(module)
    u = inputs(2, 5, 4, seed=8)
    y, cache = forward(u, params)
    dy = np.random.default_rng(9).standard_normal(y.shape)
    du, grads = backward(dy, cache)

    def outputs():
        return forward(u, params)[0]

    for analytic, wrt in [(du, u)] + [(grads[k], params[k]) for k in params]:
        assert rel_error(analytic, numerical_gradient(outputs, wrt, dy)) < 1e-7


def test_lru_eigenvalues_lie_on_the_chosen_ring():
    torch.manual_seed(3)
    module = LRU(4, 50, r_min=0.5, r_max=0.99)
    radius = module.eigenvalues().abs()
    assert bool(((radius > 0.5 - 1e-6) & (radius < 0.99 + 1e-6)).all())
    u = torch.randn(2, 9, 4, dtype=torch.float64)
    module.double()
    module.method = "loop"
    expected = module(u)
    module.method = "chunked"
    torch.testing.assert_close(module(u), expected, rtol=0, atol=1e-12)


def test_selective_ssm_is_causal():
    module = torch_layers()[1][0]
    u = torch.tensor(inputs(2, 10, 4, seed=7))
    y = module(u)
    u2 = u.clone()
    u2[:, 5:] += 1.0
    torch.testing.assert_close(module(u2)[:, :5], y[:, :5], rtol=0, atol=1e-12)


def test_linear_attention_steps_equal_the_parallel_form():
    module = torch_layers()[2][0]
    x = torch.tensor(inputs(2, 8, 4, seed=8))
    parallel = module(x)
    state = module.initial_state(2)
    for t in range(8):
        y, state = module.step(x[:, t], state)
        torch.testing.assert_close(y, parallel[:, t], rtol=0, atol=1e-10)


@pytest.mark.parametrize("cell", ("mingru", "minlstm"))
def test_stack_carries_its_state_across_chunks(cell):
    torch.manual_seed(6)
    stack = MinRNNStack(3, 8, num_layers=2, cell=cell).double()
    x = torch.tensor(inputs(2, 10, 3, seed=9))
    whole, state = stack(x)
    first, mid = stack(x[:, :4])
    second, end = stack(x[:, 4:], mid)
    torch.testing.assert_close(torch.cat([first, second], 1), whole, rtol=0, atol=1e-12)
    torch.testing.assert_close(end, state, rtol=0, atol=1e-12)
    assert state.shape == (2, 2, 8)


def test_min_rnn_trains_through_autograd_on_float32():
    torch.manual_seed(7)
    module = MinGRU(2, 4)
    x = torch.randn(3, 50, 2)
    loss = module(x)[0].pow(2).mean()
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in module.parameters())
    torch.testing.assert_close(module(x)[0], parallel_scan(*module.coefficients(x),
                                                           method="loop"), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("call,message", [
    (lambda: ref.mingru_forward(np.ones((2, 3, 4)), None, {"weight": np.ones((6, 5)),
                                                           "bias": np.ones(6)}),
     r"x: expected shape \(N, T, D=5\)"),
    (lambda: ref.mingru_forward(np.ones((2, 3, 4)), None, {"weight": np.ones((5, 4)),
                                                           "bias": np.ones(5)}),
     r"expected shape \(2\*H, D\)"),
    (lambda: ref.minlstm_forward(np.ones((2, 3, 4)), None, {"weight": np.ones((6, 4))}),
     "missing"),
    (lambda: MinGRU(4, 3)(torch.ones(2, 3, 5)), r"expected shape \(B, T, D\) with D=4"),
    (lambda: MinGRU(4, 3).step(torch.ones(2, 3, 4), torch.ones(2, 3)), r"\(B, D\)"),
    (lambda: MinRNNStack(4, 3, cell="lstm"), "mingru"),
])
def test_bad_inputs_name_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_modules_run_on_cuda():
    torch.manual_seed(8)
    x = torch.randn(2, 40, 4)
    for module in (MinGRU(4, 4), MinLSTM(4, 4), LRU(4, 6), SelectiveSSM(4), LinearAttention(4, 3)):
        out = module(x)
        out = out[0] if isinstance(out, tuple) else out
        out_cuda = module.cuda()(x.cuda())
        out_cuda = out_cuda[0] if isinstance(out_cuda, tuple) else out_cuda
        torch.testing.assert_close(out_cuda.cpu(), out, rtol=1e-4, atol=1e-4)
