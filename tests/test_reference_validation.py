"""Bad input raises ValueError naming what was expected and what was received."""

import numpy as np
import pytest
from _cells import CELLS, random_problem

from rnncourse import reference as ref


@pytest.mark.parametrize("cell", CELLS)
def test_sequence_input_errors(cell):
    _, params, x, h0, c0 = random_problem(cell, 2, 3, 4, 5, seed=0)
    with pytest.raises(ValueError, match=r"x: expected a 3-d array .*got 2-d"):
        ref.sequence_forward(cell, x[:, 0], h0, params, c0)
    with pytest.raises(ValueError, match=r"x: expected shape \(N, T, D=4\), got \(2, 3, 6\)"):
        ref.sequence_forward(cell, np.zeros((2, 3, 6)), h0, params, c0)
    with pytest.raises(ValueError, match=r"h0: expected shape \(N=2, H=5\), got \(2, 4\)"):
        ref.sequence_forward(cell, x, h0[:, :4], params, c0)
    with pytest.raises(ValueError, match=r"h0: .*N=2.*got \(3, 5\)"):
        ref.sequence_forward(cell, x, np.zeros((3, 5)), params, c0)
    bad = x.copy()
    bad[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match="x: expected finite values, got 1 NaN/inf"):
        ref.sequence_forward(cell, bad, h0, params, c0)
    with pytest.raises(ValueError, match="T >= 1"):
        ref.sequence_forward(cell, np.zeros((2, 0, 4)), h0, params, c0)


@pytest.mark.parametrize("cell", CELLS)
def test_parameter_errors(cell):
    _, params, x, h0, c0 = random_problem(cell, 2, 3, 4, 5, seed=0)
    missing = {k: v for k, v in params.items() if k != "bias_hh"}
    with pytest.raises(ValueError, match=r"missing \['bias_hh'\]"):
        ref.sequence_forward(cell, x, h0, missing, c0)
    wrong = dict(params, bias_ih=params["bias_ih"][:-1])
    with pytest.raises(ValueError, match=r"params\['bias_ih'\]: expected shape"):
        ref.sequence_forward(cell, x, h0, wrong, c0)
    other_cell = {"rnn": "gru", "lstm": "rnn", "gru": "lstm"}[cell]
    _, foreign, *_ = random_problem(other_cell, 2, 3, 4, 5, seed=0)
    with pytest.raises(ValueError, match=rf"weight_hh'\]: expected shape .* for {cell.upper()}"):
        ref.sequence_forward(cell, x, h0, foreign, c0)
    inf = dict(params, weight_hh=params["weight_hh"] * np.inf)
    with pytest.raises(ValueError, match="finite"):
        ref.sequence_forward(cell, x, h0, inf, c0)


@pytest.mark.parametrize("cell", CELLS)
def test_step_and_backward_errors(cell):
    _, params, x, h0, c0 = random_problem(cell, 2, 3, 4, 5, seed=0)
    with pytest.raises(ValueError, match=r"x: expected shape \(N, D=4\)"):
        ref.step_forward(cell, x[:, :, :3].reshape(2, 9)[:, :3], h0, params, c0)
    hs, _, cache = ref.sequence_forward(cell, x, h0, params, c0)
    backward = {"rnn": ref.rnn_backward, "gru": ref.gru_backward,
                "lstm": ref.lstm_backward}[cell]
    with pytest.raises(ValueError, match=r"dhs: expected shape \(2, 3, 5\)"):
        backward(np.zeros((2, 3, 4)), cache)


def test_lstm_needs_cell_state_shape():
    _, params, x, h0, _ = random_problem("lstm", 2, 3, 4, 5, seed=0)
    with pytest.raises(ValueError, match=r"c0: expected shape \(N=2, H=5\)"):
        ref.lstm_forward(x, h0, np.zeros((2, 6)), params)
    with pytest.raises(ValueError, match=r"c_prev: expected shape"):
        ref.lstm_step_forward(x[:, 0], h0, np.zeros((1, 5)), params)


def test_layer_errors():
    with pytest.raises(ValueError, match=r"x: expected shape \(..., D=3\)"):
        ref.affine_forward(np.zeros((2, 4)), np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match=r"bias: expected shape \(M=5\)"):
        ref.affine_forward(np.zeros((2, 3)), np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"idx: expected values in \[0, V=4\)"):
        ref.embedding_forward(np.array([[0, 4]]), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="integer"):
        ref.embedding_forward(np.array([[0.5]]), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"targets: expected shape \(2, 3\)"):
        ref.cross_entropy(np.zeros((2, 3, 5)), np.zeros((2, 4), dtype=int))
    with pytest.raises(ValueError, match=r"targets: expected values in \[0, V=5\)"):
        ref.cross_entropy(np.zeros((2, 5)), np.array([1, 5]))
    with pytest.raises(ValueError, match=r"target: expected shape"):
        ref.mse_loss(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(TypeError, match="NumPy array"):
        ref.rnn_forward("not an array", None, ref.init_params("rnn", 2, 2))


def test_cell_generic_entry_points_name_what_is_wrong():
    _, params, x, h0, _ = random_problem("gru", 2, 3, 4, 5, seed=0)
    with pytest.raises(ValueError, match="cell: expected one of"):
        ref.sequence_forward("elman", x, h0, params)
    with pytest.raises(ValueError, match="c0: only an LSTM"):
        ref.sequence_forward("gru", x, h0, params, c0=h0)
    hs, _, cache = ref.sequence_forward("gru", x, h0, params)
    with pytest.raises(ValueError, match="dc_last: only an LSTM"):
        ref.sequence_backward(hs, cache, dc_last=h0)
    with pytest.raises(ValueError, match="cache of sequence_forward, got GRUStepCache"):
        ref.sequence_backward(hs, ref.step_forward("gru", x[:, 0], h0, params).cache)
    with pytest.raises(ValueError, match="cache of step_forward, got GRUCache"):
        ref.step_backward(hs[:, 0], cache)


def test_lstm_step_without_a_cell_state_starts_from_zeros():
    _, params, x, h0, c0 = random_problem("lstm", 2, 3, 4, 5, seed=1)
    h, c, _ = ref.step_forward("lstm", x[:, 0], h0, params)
    h_zero, c_zero, _ = ref.lstm_step_forward(x[:, 0], h0, np.zeros_like(h0), params)
    assert np.array_equal(h, h_zero) and np.array_equal(c, c_zero)
