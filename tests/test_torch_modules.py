"""rnncourse.torch's cells and layers match torch.nn in float64 to 1e-10: outputs, states, grads."""

import itertools
from unittest import mock

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

import rnncourse.torch as rt
from rnncourse import reference as ref
from rnncourse.interop import params_from_torch

TOL = 1e-10
MODES = ("RNN", "LSTM", "GRU")
FUSED_KERNELS = ("lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell",
                 "rnn_tanh_cell", "rnn_relu_cell")


def pair(mode, *args, **kwargs):
    """(ours, theirs) with the same weights, float64; weights copied theirs -> ours."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, mode)(*args, **kwargs).double()
    ours = getattr(rt, mode)(*args, **kwargs).double()
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def leaf(*shape):
    return torch.randn(*shape, dtype=torch.float64, requires_grad=True)


def flat(result):
    """A module's (output, state or (h, c)) as a flat list of tensors."""
    out, state = result
    out = out.data if isinstance(out, torch.nn.utils.rnn.PackedSequence) else out
    return [out, *(state if isinstance(state, tuple) else (state,))]


def run_and_grad(module, inputs, call):
    """Forward with call(module, *inputs); backward of a fixed random weighting of all outputs."""
    outs = flat(call(module, *inputs))
    gen = torch.Generator().manual_seed(1)
    loss = sum((o * torch.randn(o.shape, generator=gen, dtype=o.dtype)).sum() for o in outs)
    grads = torch.autograd.grad(loss, [*inputs, *module.parameters()], allow_unused=True)
    return outs, grads


def assert_same(ours, theirs, inputs_ours, inputs_theirs, call):
    outs_a, grads_a = run_and_grad(ours, inputs_ours, call)
    outs_b, grads_b = run_and_grad(theirs, inputs_theirs, call)
    assert len(outs_a) == len(outs_b)
    for a, b in zip(outs_a, outs_b, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=0, atol=TOL)
    for a, b in zip(grads_a, grads_b, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            torch.testing.assert_close(a, b, rtol=0, atol=TOL)


# ---------------------------------------------------------------- cells

CELL_CASES = list(itertools.product(MODES, (True, False), ("batched", "unbatched", "no-state")))


@pytest.mark.parametrize("mode,bias,case", CELL_CASES)
def test_cell_matches_torch(mode, bias, case):
    ours, theirs = pair(mode + "Cell", 4, 3, bias=bias)
    shape = (4,) if case == "unbatched" else (5, 4)
    state_shape = (3,) if case == "unbatched" else (5, 3)
    x = leaf(*shape)
    states = [leaf(*state_shape) for _ in range(2 if mode == "LSTM" else 1)]
    if case == "no-state":
        states = []

    def call(m, x, *states):
        hx = None if not states else (tuple(states) if mode == "LSTM" else states[0])
        result = m(x, hx)
        return result if mode == "LSTM" else (result, ())   # LSTM: (h, c); others: h

    assert_same(ours, theirs, (x, *states), (x, *states), call)


@pytest.mark.parametrize("mode", MODES)
def test_cell_names_and_init_match_torch(mode):
    ours, theirs = getattr(rt, mode + "Cell")(6, 4), getattr(torch.nn, mode + "Cell")(6, 4)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, p.shape) for n, p in theirs.named_parameters()]
    theirs.load_state_dict(ours.state_dict())         # loads both ways
    for p in ours.parameters():                        # U(-1/sqrt(H), 1/sqrt(H)), as torch.nn
        assert p.abs().max() <= 0.5 and p.abs().max() > 0.3


def test_rnn_cell_relu():
    ours, theirs = pair("RNNCell", 3, 4, nonlinearity="relu")
    x, h = leaf(6, 3), leaf(6, 4)
    assert_same(ours, theirs, (x, h), (x, h), lambda m, x, h: (m(x, h), ()))


# ---------------------------------------------------------------- layers

LAYER_OPTIONS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 3, "bidirectional": True, "batch_first": True},
    {"bias": False, "batch_first": True},
    {"num_layers": 2, "bias": False, "bidirectional": True},
]


def layer_inputs(mode, module, n=3, t=6, with_state=True, batch_first=None):
    batch_first = module.batch_first if batch_first is None else batch_first
    x = leaf(n, t, module.input_size) if batch_first else leaf(t, n, module.input_size)
    if not with_state:
        return (x,), lambda m, x: m(x)
    k = module.num_layers * (2 if module.bidirectional else 1)
    if mode == "LSTM":
        return (x, leaf(k, n, module.hidden_size), leaf(k, n, module.hidden_size)), \
            lambda m, x, h, c: m(x, (h, c))
    return (x, leaf(k, n, module.hidden_size)), lambda m, x, h: m(x, h)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("options", LAYER_OPTIONS, ids=str)
@pytest.mark.parametrize("with_state", (True, False))
def test_layer_matches_torch(mode, options, with_state):
    ours, theirs = pair(mode, 4, 5, **options)
    inputs, call = layer_inputs(mode, ours, with_state=with_state)
    assert_same(ours, theirs, inputs, inputs, call)


@pytest.mark.parametrize("mode", MODES)
def test_layer_names_and_parameter_order_match_torch(mode):
    kwargs = {"num_layers": 2, "bidirectional": True}
    ours, theirs = getattr(rt, mode)(3, 4, **kwargs), getattr(torch.nn, mode)(3, 4, **kwargs)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, p.shape) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict(ours.state_dict())


def test_rnn_relu_layer():
    ours, theirs = pair("RNN", 3, 4, num_layers=2, nonlinearity="relu")
    inputs, call = layer_inputs("RNN", ours)
    assert_same(ours, theirs, inputs, inputs, call)


@pytest.mark.parametrize("mode", MODES)
def test_unbatched_layer(mode):
    ours, theirs = pair(mode, 3, 4, num_layers=2, bidirectional=True)
    x = leaf(5, 3)
    assert_same(ours, theirs, (x,), (x,), lambda m, x: m(x))
    k = 4
    if mode == "LSTM":
        h, c = leaf(k, 4), leaf(k, 4)
        assert_same(ours, theirs, (x, h, c), (x, h, c), lambda m, x, h, c: m(x, (h, c)))
    else:
        h = leaf(k, 4)
        assert_same(ours, theirs, (x, h), (x, h), lambda m, x, h: m(x, h))


# ---------------------------------------------------------------- variable lengths

LENGTH_CASES = [([6, 4, 4, 1], True), ([2, 6, 1, 6, 3], False), ([3, 3, 3], True)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lengths,enforce_sorted", LENGTH_CASES)
@pytest.mark.parametrize("options", [{}, {"num_layers": 2, "bidirectional": True}], ids=str)
def test_packed_sequence_matches_torch(mode, lengths, enforce_sorted, options):
    ours, theirs = pair(mode, 3, 4, **options)
    seqs = [leaf(n, 3) for n in lengths]
    k = ours.num_layers * ours.num_directions
    states = [leaf(k, len(lengths), 4) for _ in range(2 if mode == "LSTM" else 1)]

    def call(m, *leaves):
        padded = pad_sequence(list(leaves[:len(seqs)]))
        packed = pack_padded_sequence(padded, torch.tensor(lengths),
                                      enforce_sorted=enforce_sorted)
        hx = leaves[len(seqs):]
        out = m(packed, tuple(hx) if mode == "LSTM" else hx[0])
        assert torch.equal(out[0].batch_sizes, packed.batch_sizes)
        return out

    assert_same(ours, theirs, (*seqs, *states), (*seqs, *states), call)


@pytest.mark.parametrize("mode", MODES)
def test_lengths_argument_equals_packed(mode):
    ours, theirs = pair(mode, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
    lengths = [5, 2, 7, 1]
    x = leaf(4, 7, 3)

    def packed_call(m, x):
        out, state = m(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
        padded, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        return padded, state

    assert_same(ours, theirs, (x,), (x,), lambda m, x: m(x, lengths=torch.tensor(lengths))
                if m is ours else packed_call(m, x))


# ---------------------------------------------------------------- dropout

@pytest.mark.parametrize("mode", MODES)
def test_dropout(mode):
    ours, theirs = pair(mode, 3, 4, num_layers=3, dropout=0.5)
    x = leaf(6, 2, 3)
    ours.eval(), theirs.eval()                     # no dropout at evaluation
    assert_same(ours, theirs, (x,), (x,), lambda m, x: m(x))
    ours.train(), theirs.train()
    a, b = ours(x)[0], ours(x)[0]
    assert not torch.allclose(a, b)                # a fresh mask on every call in training
    for m in (ours, theirs):                       # p=1 drops everything between layers
        m.dropout = 1.0
    assert_same(ours, theirs, (x,), (x,), lambda m, x: m(x))


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="no effect"):
        rt.LSTM(3, 4, dropout=0.2)


# ---------------------------------------------------------------- from scratch, and errors

def test_no_fused_torch_kernels_called():
    """Ours runs with every fused torch RNN kernel replaced by one that raises."""
    boom = mock.Mock(side_effect=AssertionError("a fused torch.nn kernel was called"))
    with mock.patch.multiple(torch._VF, **dict.fromkeys(FUSED_KERNELS, boom)):
        for mode in MODES:
            getattr(rt, mode)(3, 4, num_layers=2, bidirectional=True)(torch.randn(5, 2, 3))
            getattr(rt, mode + "Cell")(3, 4)(torch.randn(2, 3))
        with pytest.raises(AssertionError, match="fused"):
            torch.nn.LSTM(3, 4)(torch.randn(5, 2, 3))  # the patch is live
    assert not any(isinstance(m, torch.nn.RNNBase) for m in rt.LSTM(3, 4).modules())


def test_autograd_matches_numpy_hand_written_backward():
    torch.manual_seed(0)
    ours = rt.LSTM(3, 5, batch_first=True).double()
    x = leaf(2, 7, 3)
    out, _ = ours(x)
    dhs = torch.randn_like(out)
    (out * dhs).sum().backward()
    params = params_from_torch(ours)
    hs, _, cache = ref.lstm_forward(x.detach().numpy(), None, None, params)
    dx, _, _, grads = ref.lstm_backward(dhs.numpy(), cache)
    np.testing.assert_allclose(hs, out.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=0, atol=TOL)
    for name, g in grads.items():
        np.testing.assert_allclose(g, getattr(ours, name + "_l0").grad.numpy(), rtol=0, atol=TOL)


@pytest.mark.parametrize("build,call,match", [
    (lambda: rt.LSTM(3, 4), lambda m: m(torch.randn(5, 2, 6)), r"expected .* 3 features"),
    (lambda: rt.GRU(3, 4), lambda m: m(torch.randn(5, 2, 3), torch.zeros(2, 2, 4)),
     r"h_0: expected shape \(1, 2, 4\)"),
    (lambda: rt.LSTM(3, 4), lambda m: m(torch.randn(5, 2, 3), torch.zeros(1, 2, 4)),
     r"hx: expected h_0 and c_0"),
    (lambda: rt.RNN(3, 4), lambda m: m(torch.randn(5, 2, 3), lengths=[5, 6]),
     r"lengths: expected values in \[1, T=5\]"),
    (lambda: rt.RNN(3, 4), lambda m: m(torch.randn(5, 2, 3), lengths=[5]),
     r"lengths: expected shape \(2,\)"),
    (lambda: rt.RNN(3, 4, nonlinearity="sigmoid"), None, r"nonlinearity: expected one of"),
    (lambda: rt.GRU(3, 4, dropout=1.5), None, r"dropout: expected a probability"),
    (lambda: rt.LSTM(0, 4), None, r"input_size: expected a positive int"),
    (lambda: rt.LSTMCell(3, 4), lambda m: m(torch.randn(2, 3), (torch.zeros(2, 4),
                                                                torch.zeros(3, 4))),
     r"hx\[1\]: expected shape \(2, 4\)"),
    (lambda: rt.GRUCell(3, 4), lambda m: m(torch.randn(2, 5)), r"input: expected shape \(N, 3\)"),
])
def test_bad_input_raises_clear_error(build, call, match):
    with pytest.raises(ValueError, match=match):
        call(build())


# ---------------------------------------------------------------- CUDA (skipped without a GPU)

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("packed", (False, True))
def test_layer_matches_cudnn_float32(mode, packed, no_tf32):
    torch.manual_seed(0)
    options = {"num_layers": 2, "bidirectional": True, "batch_first": True}
    theirs = getattr(torch.nn, mode)(16, 32, **options).cuda()
    ours = getattr(rt, mode)(16, 32, **options).cuda()
    ours.load_state_dict(theirs.state_dict())
    lengths = [20, 13, 20, 4, 9, 17, 1, 20]
    x = torch.randn(len(lengths), 20, 16, device="cuda", requires_grad=True)
    results = []
    for module in (ours, theirs):
        inp = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False) \
            if packed else x
        outs = flat(module(inp))
        gen = torch.Generator(device="cuda").manual_seed(1)
        loss = sum((o * torch.randn(o.shape, generator=gen, device="cuda")).sum() for o in outs)
        results.append([*outs, *torch.autograd.grad(loss, [x, *module.parameters()])])
    for a, b in zip(*results, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
