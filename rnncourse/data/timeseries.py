"""The two shipped time series and their fixed chronological train/validation/test splits.

- Monthly international airline passengers, 1949-01 to 1960-12 (144 values,
  thousands; Box & Jenkins "Series G"): train 1949-1956, validation 1957-1958,
  test 1959-1960 (96 / 24 / 24 months).
- Yearly sunspot numbers, 1700-2008 (309 values; NOAA NGDC via statsmodels):
  train 1700-1948, validation 1949-1978, test 1979-2008 (249 / 30 / 30 years).

Splits are contiguous in time (never shuffled), so every validation and test
value lies after all the data a model was fitted on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import numpy as np

from .paths import data_path


@dataclass(frozen=True)
class Series:
    """A univariate series with labels for its time points and a chronological split.

    ``n_val`` and ``n_test`` count the last values: train is
    ``values[:-(n_val + n_test)]``, validation the next ``n_val``, test the last ``n_test``.
    """

    name: str
    times: np.ndarray
    values: np.ndarray
    n_val: int
    n_test: int
    season: int = 1

    @property
    def n_train(self):
        return len(self.values) - self.n_val - self.n_test

    def split(self):
        """(train, validation, test) value arrays, in time order."""
        a, b = self.n_train, self.n_train + self.n_val
        return self.values[:a], self.values[a:b], self.values[b:]

    def split_times(self):
        """(train, validation, test) time labels, aligned with :meth:`split`."""
        a, b = self.n_train, self.n_train + self.n_val
        return self.times[:a], self.times[a:b], self.times[b:]


def _read_csv(*parts):
    with data_path(*parts).open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return [r[0] for r in rows[1:]], np.array([float(r[1]) for r in rows[1:]])


def load_airline():
    """Airline passengers (thousands) by month as a :class:`Series` with season 12.

    ``times`` are month labels ``"YYYY-MM"``; split 96 / 24 / 24 months.
    """
    months, values = _read_csv("timeseries", "airline_passengers.csv")
    return Series("airline passengers", np.array(months), values, n_val=24, n_test=24,
                  season=12)


def load_sunspots():
    """Yearly mean sunspot number, 1700-2008, as a :class:`Series`; split 249 / 30 / 30 years.

    The roughly 11-year solar cycle varies in length, so no fixed season is used.
    """
    years, values = _read_csv("timeseries", "sunspots_yearly.csv")
    return Series("yearly sunspots", np.array([int(y) for y in years]), values, n_val=30,
                  n_test=30)


def sine_wave(n=1000, period=50.0, noise=0.1, rng=None):
    """A noisy sine wave sin(2 pi t / period) + noise * N(0, 1) for t = 0..n-1, as a Series.

    Split 70 / 15 / 15 percent in time order (the chapters' warm-up example).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    t = np.arange(n)
    values = np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n)
    n_test = n_val = int(0.15 * n)
    return Series("noisy sine", t, values, n_val=n_val, n_test=n_test)
