"""The one three-way split behind every dataset split, and the one threading policy."""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from rnncourse.data import three_way_split
from rnncourse.utils import SMALL_HIDDEN, THREADS_ENV, idle_cores, set_threads


def test_three_way_split_partitions_and_rounds():
    train, val, test = three_way_split(10, (0.8, 0.1, 0.1), np.random.default_rng(0))
    assert (len(train), len(val), len(test)) == (8, 1, 1)
    assert sorted(np.concatenate([train, val, test]).tolist()) == list(range(10))
    again = three_way_split(10, (0.8, 0.1, 0.1), np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again, strict=True))


@pytest.mark.parametrize("fractions", [(0.8, 0.2), (0.5, 0.5, 0.5), (1.2, -0.1, -0.1)])
def test_three_way_split_rejects_bad_fractions(fractions):
    with pytest.raises(ValueError, match="three values"):
        three_way_split(10, fractions, np.random.default_rng(0))


@pytest.fixture
def restore_threads(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv(THREADS_ENV, raising=False)
    yield monkeypatch
    torch.set_num_threads(before)


def test_set_threads_gives_small_models_one_thread(restore_threads):
    torch.set_num_threads(2)
    assert set_threads(SMALL_HIDDEN - 1) == 1 == torch.get_num_threads()


def test_set_threads_leaves_a_busy_core_alone(restore_threads):
    usable = len(os.sched_getaffinity(0))
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        assert idle_cores() <= usable - 0.5
        assert set_threads() <= max(1, usable - 1)
        assert set_threads(processes=usable) == 1
    finally:
        busy.kill()
        busy.wait()


def test_set_threads_obeys_the_environment(restore_threads):
    restore_threads.setenv(THREADS_ENV, "3")
    assert set_threads() == 3 == torch.get_num_threads()
    restore_threads.setenv(THREADS_ENV, "two")
    with pytest.raises(ValueError, match="RNNCOURSE_THREADS"):
        set_threads()
