"""The synthetic long-range tasks: layout, targets, seeding and argument checks."""

import numpy as np
import pytest

from rnncourse.data.synthetic import adding_problem, copy_task


def test_adding_problem_layout_and_target():
    x, y = adding_problem(500, 21, np.random.default_rng(0))
    assert x.shape == (500, 21, 2) and y.shape == (500,)
    values, markers = x[..., 0], x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :10].sum(axis=1) == 1).all()      # one marker in the first half
    assert (markers[:, 10:].sum(axis=1) == 1).all()      # one in the second half
    np.testing.assert_allclose(y, (values * markers).sum(axis=1), rtol=0, atol=1e-15)


def test_adding_problem_markers_cover_both_halves():
    x, _ = adding_problem(4000, 10, np.random.default_rng(1))
    positions = np.nonzero(x[..., 1])[1]
    assert set(positions) == set(range(10))


def test_adding_problem_target_statistics_give_the_baseline():
    _, y = adding_problem(200_000, 6, np.random.default_rng(2))
    assert abs(y.mean() - 1.0) < 0.005
    assert abs(((y - 1.0) ** 2).mean() - 1 / 6) < 0.003   # MSE of always predicting 1


def test_adding_problem_is_seeded():
    a = adding_problem(8, 12, np.random.default_rng(5))
    b = adding_problem(8, 12, np.random.default_rng(5))
    c = adding_problem(8, 12, np.random.default_rng(6))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0, "length": 10}, "n: expected an integer >= 1"),
    ({"n": 4, "length": 1}, "length: expected an integer >= 2"),
    ({"n": 4, "length": 10.0}, "length: expected an integer"),
])
def test_adding_problem_rejects_bad_sizes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        adding_problem(rng=np.random.default_rng(0), **kwargs)


def test_adding_problem_rejects_a_seed_instead_of_a_generator():
    with pytest.raises(ValueError, match="rng: expected a numpy.random.Generator"):
        adding_problem(4, 10, 0)


def test_copy_task_layout():
    x, y = copy_task(50, n_symbols=8, seq_len=5, delay=7, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (50, 17)
    assert x.dtype == y.dtype == np.int64
    symbols = x[:, :5]
    assert ((symbols >= 1) & (symbols <= 8)).all()
    assert (x[:, 5:11] == 0).all()              # delay - 1 blanks
    assert (x[:, 11] == 9).all()                # the delimiter
    assert (x[:, 12:] == 0).all()
    assert (y[:, :12] == 0).all()
    np.testing.assert_array_equal(y[:, 12:], symbols)


def test_copy_task_with_delay_one_puts_the_delimiter_right_after_the_symbols():
    x, y = copy_task(3, n_symbols=2, seq_len=4, delay=1, rng=np.random.default_rng(1))
    assert (x[:, 4] == 3).all()
    np.testing.assert_array_equal(y[:, 5:], x[:, :4])


@pytest.mark.parametrize("name", ["n", "n_symbols", "seq_len", "delay"])
def test_copy_task_rejects_non_positive_sizes(name):
    kwargs = {"n": 2, "n_symbols": 3, "seq_len": 4, "delay": 5, name: 0}
    with pytest.raises(ValueError, match=f"{name}: expected an integer >= 1"):
        copy_task(rng=np.random.default_rng(0), **kwargs)
