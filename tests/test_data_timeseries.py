"""The shipped time series load with the documented sizes, values and chronological splits."""

import numpy as np

from rnncourse.data.timeseries import load_airline, load_sunspots, sine_wave


def test_airline_matches_sources_md():
    s = load_airline()
    assert len(s.values) == 144 and s.values.sum() == 40363 and s.season == 12
    assert list(s.values[:3]) == [112, 118, 132] and list(s.values[-4:]) == [508, 461, 390, 432]
    tr, va, te = s.split()
    ttr, tva, tte = s.split_times()
    assert (len(tr), len(va), len(te)) == (96, 24, 24)
    assert (ttr[-1], tva[0], tte[0], tte[-1]) == ("1956-12", "1957-01", "1959-01", "1960-12")


def test_sunspots_matches_sources_md():
    s = load_sunspots()
    assert len(s.values) == 309 and s.times[0] == 1700 and s.times[-1] == 2008
    value = dict(zip(s.times.tolist(), s.values.tolist(), strict=True))
    assert (value[1810], value[1957], value[2000]) == (0.0, 190.2, 119.6)
    _, _, tte = s.split_times()
    assert tte[0] == 1979 and len(tte) == 30


def test_sine_split_is_chronological():
    s = sine_wave(n=200, rng=np.random.default_rng(1))
    tr, va, te = s.split()
    assert (len(tr), len(va), len(te)) == (140, 30, 30)
    np.testing.assert_array_equal(np.concatenate([tr, va, te]), s.values)
