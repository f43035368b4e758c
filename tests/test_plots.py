"""The plotting helpers: figures fit the book's column, legends stay off the data, time axes
get readable ticks, and the character heatmap is legible and has a colour bar."""

from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from rnncourse import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _fits_column(ax):
    assert ax.figure.get_size_inches()[0] <= plots.MAX_WIDTH


def _legend_outside(ax):
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    axes = ax.get_window_extent()
    assert legend.x0 >= axes.x1, "the legend overlaps the axes"


def _ticks(ax):
    ax.figure.canvas.draw()
    low, high = ax.get_xlim()
    return [t for t in ax.get_xticks() if low <= t <= high]


def _history(n=50):
    return SimpleNamespace(steps=list(range(n)), train_loss=list(np.linspace(2, 1, n)),
                           eval_steps=[10, 20, 30], metric=lambda name: [1.5, 1.4, 1.3])


def test_plot_history_names_the_metric_and_keeps_the_legend_off_the_data():
    ax = plots.plot_history(_history(), metric="val_mse", metric_label="validation MSE")
    _fits_column(ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation MSE"]
    _legend_outside(ax)
    # Backward compatible: without metric_label the metric's name labels the curve.
    ax = plots.plot_history(_history(), "val_mse", None, "GRU", "MSE")
    assert ax.get_legend().get_texts()[1].get_text() == "GRU: val_mse"
    assert plots.plot_history(_history(), legend=None).get_legend() is None


def test_series_split_ticks_fall_on_round_years():
    years = np.arange(1700, 2009)
    ax = plots.plot_series_split(years, np.sin(years / 2.0), 30, 30, ylabel="sunspots")
    _fits_column(ax)
    ticks = _ticks(ax)
    assert len(ticks) >= 3 and all(t % 50 == 0 for t in ticks), ticks
    assert ax.xaxis.get_major_formatter()(ticks[0], 0) == str(int(ticks[0]))   # no offset
    _legend_outside(ax)
    # The shaded test part covers the last 30 years.
    test_span = [p for p in ax.patches if p.get_label() == "test"][0]
    x0, x1 = test_span.get_x(), test_span.get_x() + test_span.get_width()
    assert x0 == pytest.approx(1978.5) and x1 == pytest.approx(2008.5)


def test_series_split_puts_monthly_ticks_on_year_starts():
    months = [f"{y}-{m:02d}" for y in range(1949, 1961) for m in range(1, 13)]
    ax = plots.plot_series_split(np.array(months), np.arange(144.0), 24, 24)
    ticks = _ticks(ax)
    assert len(ticks) >= 3 and all(float(t).is_integer() for t in ticks), ticks
    assert ax.get_lines()[0].get_xdata()[1] == pytest.approx(1949 + 1 / 12)


def test_series_split_index_ticks_are_round_numbers():
    ax = plots.plot_series_split(np.arange(1000), np.zeros(1000), 150, 150)
    ticks = _ticks(ax)
    assert all(t % 100 == 0 for t in ticks), ticks


def test_series_split_with_other_labels_prints_them_at_the_ticks():
    labels = [f"week {i}" for i in range(20)]
    ax = plots.plot_series_split(labels, np.arange(20.0), 4, 4)
    shown = [ax.xaxis.get_major_formatter()(t, 0) for t in _ticks(ax)]
    assert shown and all(s in labels for s in shown), shown


def test_forecasts_accept_numbers_and_month_labels():
    ax = plots.plot_forecasts(np.arange(1939, 1979), np.ones(40), np.arange(1979, 2009),
                              np.ones(30), {"naive": np.ones(30), "GRU": np.ones(30)})
    _fits_column(ax)
    assert all(float(t).is_integer() for t in _ticks(ax))
    _legend_outside(ax)
    months = [f"{y}-{m:02d}" for y in range(1956, 1961) for m in range(1, 13)]
    ax = plots.plot_forecasts(months[:36], np.ones(36), months[36:], np.ones(24),
                              {"naive": np.ones(24)}, xlabel="year")
    assert ax.get_xlabel() == "year"
    assert ax.get_lines()[1].get_xdata()[0] == pytest.approx(1959.0)


def test_char_activations_fit_the_column_with_readable_text_and_a_colour_bar():
    text = "ROMEO:\nBut soft, what light through yonder window breaks?\n" * 3
    values = np.linspace(-1, 1, len(text))
    ax = plots.plot_char_activations(text, values, colorbar_label="activation")
    _fits_column(ax)
    colours = {t.get_text(): t.get_color() for t in ax.texts}
    assert len(colours) > 1
    for t in ax.texts:
        r, g, b, _ = t.get_bbox_patch().get_facecolor()
        dark = 0.2126 * r + 0.7152 * g + 0.0722 * b <= 0.5
        assert to_rgba(t.get_color()) == to_rgba("white" if dark else "black")
    assert {to_rgba(t.get_color()) for t in ax.texts} == {to_rgba("white"), to_rgba("black")}
    bars = [a for a in ax.figure.axes if a is not ax]
    assert len(bars) == 1 and bars[0].get_xlabel() == "activation"
    with pytest.raises(ValueError):
        plots.plot_char_activations("abc", [0.0, 1.0])


def test_confusion_matrix_and_attention_fit_the_column():
    cm = np.array([[5, 1], [2, 7]])
    ax = plots.plot_confusion_matrix(cm, ["a", "b"])
    _fits_column(ax)
    assert any(a.get_ylabel() for a in ax.figure.axes if a is not ax)   # labelled colour bar
    _fits_column(plots.plot_attention(np.eye(3), ["x", "y", "z"], ["u", "v", "w"]))
