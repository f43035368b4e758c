"""The NumPy character-level RNN: gradients, carried state, sampling, and that training learns."""

import numpy as np
import pytest

from rnncourse import reference as ref
from rnncourse.apps import min_char_rnn as char_rnn


def small_problem(seed=0, n=3, t=6, v=7, h=5):
    rng = np.random.default_rng(seed)
    params = char_rnn.init_char_rnn(v, h, rng, scheme="pytorch")
    x_ids = rng.integers(0, v, (n, t))
    y_ids = rng.integers(0, v, (n, t))
    h0 = rng.standard_normal((n, h)) * 0.5
    return rng, params, x_ids, y_ids, h0


def test_gradients_match_finite_differences():
    _, params, x_ids, y_ids, h0 = small_problem()
    loss, grads, _ = char_rnn.loss_and_grads(params, x_ids, y_ids, h0)
    assert set(grads) == set(params)
    for key, value in params.items():
        numeric = ref.numerical_gradient(
            lambda: char_rnn.sequence_loss(params, x_ids, y_ids, h0)[0], value)
        assert ref.rel_error(grads[key], numeric) < 1e-7, key


def test_loss_matches_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    _, params, x_ids, y_ids, h0 = small_problem(seed=1)
    rnn = torch.nn.RNN(7, 5, batch_first=True).double()
    from rnncourse.interop import params_to_torch
    params_to_torch(params, rnn)
    x = torch.nn.functional.one_hot(torch.as_tensor(x_ids), 7).double()
    hs, _ = rnn(x, torch.as_tensor(h0)[None])
    logits = hs @ torch.as_tensor(params["weight_hy"]).T + torch.as_tensor(params["bias_y"])
    expected = torch.nn.functional.cross_entropy(logits.reshape(-1, 7),
                                                 torch.as_tensor(y_ids).reshape(-1))
    loss, _ = char_rnn.sequence_loss(params, x_ids, y_ids, h0)
    assert abs(loss - expected.item()) < 1e-12


def test_carried_state_reads_a_stream_in_chunks_exactly():
    _, params, x_ids, y_ids, _ = small_problem(seed=2, t=8)
    whole, h_whole = char_rnn.sequence_loss(params, x_ids, y_ids)
    first, h = char_rnn.sequence_loss(params, x_ids[:, :3], y_ids[:, :3])
    second, h = char_rnn.sequence_loss(params, x_ids[:, 3:], y_ids[:, 3:], h)
    assert np.allclose(h, h_whole)
    assert abs((3 * first + 5 * second) / 8 - whole) < 1e-12


def test_sample_is_reproducible_and_in_range():
    _, params, *_ = small_problem(seed=3)
    a = char_rnn.sample(params, 0, 50, np.random.default_rng(7))
    b = char_rnn.sample(params, 0, 50, np.random.default_rng(7))
    assert a.shape == (50,) and a.dtype == np.int64
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() < 7


def test_low_temperature_sampling_is_greedy():
    _, params, *_ = small_problem(seed=4)
    params["bias_y"][:] = 0.0
    params["bias_y"][5] = 3.0            # class 5 is the most likely after every state
    params["weight_hy"] *= 0.01
    out = char_rnn.sample(params, 1, 20, np.random.default_rng(0), temperature=1e-3)
    assert np.all(out == 5)


def test_fit_learns_a_periodic_stream():
    rng = np.random.default_rng(5)
    ids = np.tile(np.array([0, 1, 2, 3, 2, 1]), 400)
    params = char_rnn.init_char_rnn(4, 16, rng)
    before = char_rnn.stream_loss(params, ids, batch_size=4, seq_len=20)
    history = char_rnn.fit(params, ids, ref.Adam(1e-2), 150, batch_size=4, seq_len=20,
                           evaluate=lambda p: {"loss": char_rnn.stream_loss(p, ids, 4, 20)},
                           eval_every=50)
    assert history.steps[-1] == 150 and history.eval_steps == [50, 100, 150]
    assert before > 1.0 and history.metric("loss")[-1] < 0.05


def test_bad_inputs_name_the_expected_shapes():
    _, params, x_ids, y_ids, _ = small_problem()
    with pytest.raises(ValueError, match="expected the shape of x_ids"):
        char_rnn.loss_and_grads(params, x_ids, y_ids[:, :2])
    with pytest.raises(ValueError, match=r"expected values in \[0, V=7\)"):
        char_rnn.loss_and_grads(params, x_ids + 7, y_ids)
    with pytest.raises(ValueError, match="expected a 2-d array"):
        char_rnn.sequence_loss(params, x_ids[0], y_ids[0])
    with pytest.raises(ValueError, match="temperature"):
        char_rnn.sample(params, 0, 3, np.random.default_rng(0), temperature=0.0)
    with pytest.raises(ValueError, match="steps"):
        char_rnn.fit(params, np.arange(100) % 7, ref.SGD(0.1), 0)
