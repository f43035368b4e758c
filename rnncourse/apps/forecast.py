"""Forecasting with recurrent networks, without leakage: scaling fitted on training data only,
sliding windows, naive baselines and rolling-origin (walk-forward) evaluation.

Every forecaster here is a function ``forecast(history, horizon) -> (horizon,)`` that
sees only the values before its forecast origin, so baselines and networks are
evaluated by the same :func:`rolling_forecasts`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..train import shuffled_batches, train
from .blocks import recurrent_layer


class StandardScaler:
    """z = (x - mean) / std with mean and std learned by :meth:`fit` (call it on training data)."""

    def __init__(self):
        self.mean = self.std = None

    def fit(self, x):
        x = np.asarray(x, dtype=np.float64)
        if x.size < 2:
            raise ValueError(f"fit: expected at least 2 values, got {x.size}")
        self.mean, self.std = float(x.mean()), float(x.std())
        if self.std == 0:
            raise ValueError("fit: the training values are constant, so std = 0")
        return self

    def _check(self):
        if self.mean is None:
            raise RuntimeError("StandardScaler: call fit(training values) first")

    def transform(self, x):
        self._check()
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.std

    def inverse_transform(self, z):
        self._check()
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def make_windows(values, window):
    """Sliding windows of a 1-d series: X (N, window) and the next values y (N,), N = len - window.

    Row i is ``values[i:i + window]`` and its target ``values[i + window]``.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) <= window or window < 1:
        raise ValueError(f"make_windows: expected a 1-d series longer than window={window}, "
                         f"got shape {values.shape}")
    idx = np.arange(window)[None, :] + np.arange(len(values) - window)[:, None]
    return values[idx], values[window:]


def naive_forecast(history, horizon):
    """Repeat the last observed value: y_hat_{T+h} = y_T."""
    return np.full(horizon, float(np.asarray(history)[-1]))


def seasonal_naive_forecast(history, horizon, season):
    """Repeat the last observed season: y_hat_{T+h} = y_{T+h-k*season}, the latest such value."""
    history = np.asarray(history, dtype=np.float64)
    if len(history) < season:
        raise ValueError(f"seasonal_naive_forecast: expected at least season={season} values, "
                         f"got {len(history)}")
    return history[len(history) - season + np.arange(horizon) % season]


def seasonal_drift_forecast(history, horizon, season, log=False):
    """Seasonal naive plus the average change per season observed in ``history``.

    y_hat_{T+h} = y_{T+h-k*season} + k * d, where k = ceil(h / season) and d is the mean
    of y_t - y_{t-season} over the history. With ``log=True`` this runs on log y, so d is
    the average growth rate per season and the forecast compounds it (year-on-year growth).
    """
    history = np.asarray(history, dtype=np.float64)
    if len(history) <= season:
        raise ValueError(f"seasonal_drift_forecast: expected more than season={season} "
                         f"values, got {len(history)}")
    y = np.log(history) if log else history
    drift = np.mean(y[season:] - y[:-season])
    seasons_ahead = np.arange(horizon) // season + 1
    forecast = seasonal_naive_forecast(y, horizon, season) + seasons_ahead * drift
    return np.exp(forecast) if log else forecast


class ARForecaster:
    """Linear autoregression y_t = c + phi_1 y_{t-1} + ... + phi_p y_{t-p}, fitted by least
    squares on the training values (on log y with ``log=True``) and used recursively.

    The least-squares fit is the conditional maximum-likelihood estimate that
    ``statsmodels.tsa.ar_model.AutoReg(y, lags=p, trend="c")`` computes (the tests check it).
    """

    def __init__(self, order, log=False):
        if order < 1:
            raise ValueError(f"order: expected p >= 1, got {order}")
        self.order, self.log = order, log
        self.coef = None  # (p + 1,): intercept, then phi_1 .. phi_p

    def _transform(self, values):
        values = np.asarray(values, dtype=np.float64)
        return np.log(values) if self.log else values

    def fit(self, train_values):
        y = self._transform(train_values)
        p = self.order
        if len(y) <= 2 * p:
            raise ValueError(f"fit: expected more than 2p = {2 * p} training values, "
                             f"got {len(y)}")
        lags = np.stack([y[p - i:len(y) - i] for i in range(1, p + 1)], axis=1)  # (n - p, p)
        design = np.concatenate([np.ones((len(lags), 1)), lags], axis=1)
        self.coef = np.linalg.lstsq(design, y[p:], rcond=None)[0]
        return self

    def forecast(self, history, horizon):
        if self.coef is None:
            raise RuntimeError("ARForecaster: call fit(training values) first")
        recent = list(self._transform(history)[-self.order:])
        if len(recent) < self.order:
            raise ValueError(f"forecast: expected at least p={self.order} past values, "
                             f"got {len(recent)}")
        out = []
        for _ in range(horizon):
            out.append(self.coef[0] + self.coef[1:] @ np.array(recent[::-1][:self.order]))
            recent.append(out[-1])
        out = np.array(out)
        return np.exp(out) if self.log else out


class SARIMAForecaster:
    """Seasonal ARIMA from statsmodels, by default Box and Jenkins' airline model
    SARIMA(0,1,1)(0,1,1)_12 on log y.

    :meth:`fit` estimates the parameters on the training values once; every forecast then
    runs the Kalman filter with those fixed parameters over the history it is given, as the
    networks are trained once and then only read the history.
    """

    def __init__(self, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12), log=True):
        self.order, self.seasonal_order, self.log = order, seasonal_order, log
        self.params = None

    def _model(self, values):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        y = np.asarray(values, dtype=np.float64)
        return SARIMAX(np.log(y) if self.log else y, order=self.order,
                       seasonal_order=self.seasonal_order)

    def fit(self, train_values):
        self.params = self._model(train_values).fit(disp=False).params
        return self

    def forecast(self, history, horizon):
        if self.params is None:
            raise RuntimeError("SARIMAForecaster: call fit(training values) first")
        out = self._model(history).filter(self.params).forecast(horizon)
        return np.exp(out) if self.log else np.asarray(out)


def rolling_forecasts(forecast, series, first_origin, horizon):
    """Walk forward through ``series``: at each origin t >= first_origin, forecast the next
    ``horizon`` values from ``series[:t]`` only.

    Returns (predictions, truth), both (K, horizon) for the K origins whose whole
    horizon lies inside the series.
    """
    series = np.asarray(series, dtype=np.float64)
    origins = range(first_origin, len(series) - horizon + 1)
    if len(origins) == 0:
        raise ValueError(f"rolling_forecasts: no origin from {first_origin} leaves room for "
                         f"horizon={horizon} in a series of {len(series)} values")
    preds = np.array([forecast(series[:t], horizon) for t in origins])
    truth = np.array([series[t:t + horizon] for t in origins])
    return preds, truth


class SequenceRegressor(nn.Module):
    """Read a window x (N, T) of scalars (or (N, T, D) features) and predict one value per row (N,)
    from the last hidden state."""

    def __init__(self, cell="gru", hidden_size=32, num_layers=1, input_size=1):
        super().__init__()
        self.input_size = input_size
        self.rnn = recurrent_layer(cell, input_size, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        if x.dim() == 2 and self.input_size == 1:
            x = x.unsqueeze(-1)
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"x: expected shape (N, T) or (N, T, {self.input_size}), "
                             f"got {tuple(x.shape)}")
        out, _ = self.rnn(x)
        return self.head(out[:, -1]).squeeze(-1)


class WindowForecaster:
    """A recurrent one-step forecaster over sliding windows, used recursively for longer horizons.

    Pipeline: optional log, a :class:`StandardScaler` fitted on the training
    values only, windows of ``window`` values, and ``model`` (a torch module
    mapping (N, window) to (N,)). With ``relative=True`` every window is shifted
    so that its last value is 0 and the model predicts the change from it; the
    model then never has to extrapolate to levels above those it saw in training.
    """

    def __init__(self, model, window, log=False, relative=False):
        self.model, self.window, self.log, self.relative = model, window, log, relative
        self.scaler = StandardScaler()

    def _to_z(self, values):
        values = np.asarray(values, dtype=np.float64)
        return self.scaler.transform(np.log(values) if self.log else values)

    def _from_z(self, z):
        values = self.scaler.inverse_transform(z)
        return np.exp(values) if self.log else values

    def _windows(self, z, first_target=0):
        x, y = make_windows(z, self.window)
        keep = np.arange(len(y)) + self.window >= first_target
        x, y = x[keep], y[keep]
        if self.relative:
            x, y = x - x[:, -1:], y - x[:, -1]
        return x, y

    def fit(self, train_values, val_values, steps, lr=3e-3, batch_size=32, progress=True):
        """Fit the scaler on ``train_values``, then the model on their windows.

        Validation windows end in ``val_values`` (their inputs may reach back into the
        training values). Returns the training :class:`History` with the validation MSE
        (in scaled units); the weights with the lowest validation MSE are kept.
        """
        train_values = np.asarray(train_values, dtype=np.float64)
        self.scaler.fit(np.log(train_values) if self.log else train_values)
        x, y = (torch.tensor(a, dtype=torch.float32) for a in self._windows(
            self._to_z(train_values)))
        both = np.concatenate([train_values, val_values])
        xv, yv = (torch.tensor(a, dtype=torch.float32) for a in self._windows(
            self._to_z(both), first_target=len(train_values)))
        def batches():
            for idx in shuffled_batches(len(y), batch_size):
                yield x[idx], y[idx]

        def loss_fn(model, batch):
            return torch.nn.functional.mse_loss(model(batch[0]), batch[1])

        def evaluate(model):
            return {"val_mse": torch.nn.functional.mse_loss(model(xv), yv).item()}

        optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        return train(self.model, loss_fn, batches(), optimizer, steps, clip=1.0,
                     evaluate=evaluate, eval_every=max(steps // 50, 1), keep_best="val_mse",
                     desc=f"fitting a {self.window}-step window forecaster", progress=progress)

    def forecast(self, history, horizon):
        """Forecast ``horizon`` values after ``history`` (original units), feeding each
        prediction back as the next input (recursive multi-step forecasting)."""
        z = list(self._to_z(history)[-self.window:])
        if len(z) < self.window:
            raise ValueError(f"forecast: expected at least window={self.window} past values, "
                             f"got {len(z)}")
        out = []
        with torch.no_grad():
            for _ in range(horizon):
                w = np.array(z[-self.window:])
                shift = w[-1] if self.relative else 0.0
                inp = torch.tensor(w - shift, dtype=torch.float32)[None]
                z.append(float(self.model(inp)[0]) + shift)
                out.append(z[-1])
        return self._from_z(np.array(out))
