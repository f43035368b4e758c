"""Windows, baselines, walk-forward evaluation and the leak-free forecaster pipeline."""

import numpy as np
import pytest
import torch

from rnncourse.apps.forecast import (
    ARForecaster,
    SARIMAForecaster,
    SequenceRegressor,
    StandardScaler,
    WindowForecaster,
    make_windows,
    naive_forecast,
    rolling_forecasts,
    seasonal_drift_forecast,
    seasonal_naive_forecast,
)
from rnncourse.data.timeseries import load_airline


def test_make_windows_targets_follow_their_window():
    x, y = make_windows(np.arange(10.0), 4)
    assert x.shape == (6, 4) and y.shape == (6,)
    np.testing.assert_array_equal(x[:, -1] + 1, y)
    with pytest.raises(ValueError, match="longer than window=4"):
        make_windows(np.arange(4.0), 4)


def test_scaler_uses_only_what_it_was_fitted_on():
    sc = StandardScaler().fit([1.0, 3.0])
    assert (sc.mean, sc.std) == (2.0, 1.0)
    np.testing.assert_allclose(sc.inverse_transform(sc.transform([5.0, -1.0])), [5.0, -1.0])
    with pytest.raises(RuntimeError, match="fit"):
        StandardScaler().transform([1.0])


def test_baselines():
    h = np.arange(1.0, 25.0)
    np.testing.assert_array_equal(naive_forecast(h, 2), [24, 24])
    np.testing.assert_array_equal(seasonal_naive_forecast(h, 13, 12), list(range(13, 25)) + [13])


def test_seasonal_drift_by_hand():
    # seasons of 2: changes y_t - y_{t-2} are 2, 4, 2 -> mean 8/3 per season
    history = np.array([1.0, 2.0, 3.0, 6.0, 5.0])
    expected = [6 + 8 / 3, 5 + 8 / 3, 6 + 16 / 3]
    np.testing.assert_allclose(seasonal_drift_forecast(history, 3, 2), expected, rtol=1e-13)
    # on logs, a series growing 10% per season is continued exactly
    growing = 100 * 1.1 ** np.arange(8.0)
    np.testing.assert_allclose(seasonal_drift_forecast(growing, 4, 4, log=True),
                               100 * 1.1 ** np.arange(8.0, 12.0), rtol=1e-12)
    with pytest.raises(ValueError, match="more than season=4"):
        seasonal_drift_forecast(growing[:4], 1, 4)


def test_ar_least_squares_equals_statsmodels_autoreg():
    from statsmodels.tsa.ar_model import AutoReg

    y = np.log(load_airline().values[:96])
    for p in (1, 5, 13):
        ours = ARForecaster(p).fit(y).coef
        theirs = AutoReg(y, lags=p, trend="c").fit().params
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)
        forecast = ARForecaster(p).fit(y).forecast(y, 5)
        np.testing.assert_allclose(forecast, AutoReg(y, lags=p, trend="c").fit().predict(
            start=len(y), end=len(y) + 4), rtol=1e-8)
    with pytest.raises(ValueError, match="expected more than 2p"):
        ARForecaster(10).fit(y[:20])


def test_sarima_forecast_is_statsmodels_with_the_training_parameters():
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    values = load_airline().values[:96]
    model = SARIMAForecaster().fit(values)
    fitted = SARIMAX(np.log(values), order=(0, 1, 1), seasonal_order=(0, 1, 1, 12)).fit(
        disp=False)
    np.testing.assert_allclose(model.forecast(values, 12), np.exp(fitted.forecast(12)),
                               rtol=1e-10)
    with pytest.raises(RuntimeError, match="fit"):
        SARIMAForecaster().forecast(values, 1)


def test_rolling_forecasts_never_see_the_future():
    series = np.arange(20.0)
    seen = []

    def spy(history, horizon):
        seen.append(len(history))
        return np.full(horizon, history[-1])

    pred, truth = rolling_forecasts(spy, series, 15, 3)
    assert seen == [15, 16, 17]          # origin 17 forecasts values 17, 18, 19
    np.testing.assert_array_equal(truth[:, 0], [15, 16, 17])
    np.testing.assert_array_equal(pred[:, 0], [14, 15, 16])


def test_window_forecaster_fits_scaler_on_training_part_and_learns_a_ramp():
    torch.manual_seed(0)
    values = np.linspace(1.0, 3.0, 60)
    f = WindowForecaster(SequenceRegressor("gru", hidden_size=8), window=5, relative=True)
    hist = f.fit(values[:40], values[40:50], steps=150, lr=1e-2, progress=False)
    assert f.scaler.mean == pytest.approx(values[:40].mean())
    assert min(hist.metric("val_mse")) < hist.metric("val_mse")[0]
    pred = f.forecast(values[:50], 10)
    assert pred.shape == (10,)
    assert np.abs(pred - values[50:]).max() < 0.15     # continues the ramp beyond training range
