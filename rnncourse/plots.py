"""Matplotlib helpers shared by the chapters: every figure has labelled axes.

The figures are made for the book's text column (784 px, images saved at 100 dpi): a
figure a helper creates is at most :data:`MAX_WIDTH` inches wide, legends go where they
cannot cover data (by default to the right of the axes), and time axes get ticks at
readable values (round numbers of years; the start of a year for monthly data).
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

#: Widest figure, in inches, that fits the book's column at 100 dpi without shrinking.
MAX_WIDTH = 7.5

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^-?\d+$")


def place_legend(ax, loc="outside", **kwargs):
    """Draw the legend of ``ax`` where it does not cover the data and return it.

    ``loc="outside"`` (the default) puts it to the right of the axes, aligned with their
    top; any other value is passed on as matplotlib's ``loc`` (``"upper left"``,
    ``"best"``, ...); ``None`` draws no legend and returns None. Extra keyword arguments
    go to :meth:`matplotlib.axes.Axes.legend`.
    """
    if loc is None:
        return None
    if loc == "outside":
        kwargs = {"bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, **kwargs}
        loc = "upper left"
    return ax.legend(loc=loc, **kwargs)


def _time_positions(times):
    """x positions for time labels, and a tick formatter when the labels are not numbers.

    Numbers are used as they are; ``"YYYY-MM"`` month labels become decimal years
    (``year + (month - 1) / 12``), so that whole numbers fall on January; ``"YYYY"``
    labels become years. Any other labels are placed at 0, 1, 2, ... and printed as
    they are at the ticks.
    """
    times = list(times)
    if all(isinstance(t, (int, float, np.integer, np.floating)) for t in times):
        return np.asarray(times, dtype=float), None
    labels = [str(t) for t in times]
    months = [_MONTH.match(s) for s in labels]
    if all(months):
        return np.array([int(m[1]) + (int(m[2]) - 1) / 12 for m in months]), None
    if all(_YEAR.match(s) for s in labels):
        return np.array([float(s) for s in labels]), None

    def label_at(value, _pos):
        i = int(round(value))
        return labels[i] if abs(value - i) < 1e-9 and 0 <= i < len(labels) else ""

    return np.arange(len(labels), dtype=float), ticker.FuncFormatter(label_at)


def _readable_time_ticks(ax, x, formatter=None):
    """Ticks at round values (steps of 1, 2, 2.5, 5 or 10 times a power of ten, whole
    numbers wherever the range allows, e.g. every 50 years), printed in full, without an
    offset or scientific notation. With a ``formatter`` for text labels, ticks stay within
    the labelled positions ``x``."""
    locator = ticker.MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True,
                                 min_n_ticks=3)
    if formatter is None:
        formatter = ticker.ScalarFormatter(useOffset=False)
        formatter.set_scientific(False)
    else:
        values = locator.tick_values(x.min(), x.max())
        locator = ticker.FixedLocator(values[(values >= x.min()) & (values <= x.max())])
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)


def plot_history(history, metric=None, ax=None, label=None, ylabel="loss", metric_label=None,
                 legend="outside", color=None):
    """Training loss per step and, if given, one evaluation ``metric`` at its steps.

    ``metric_label`` names the metric's curve in the legend (default: the metric's name);
    ``label`` prefixes both legend entries. ``legend`` is where the legend goes, as in
    :func:`place_legend` (default: right of the axes; ``None`` for none). With ``color``
    both curves of this run share it (the training curve lighter), so that several runs
    on one axes are told apart by colour.
    """
    ax = ax or plt.subplots(figsize=(7, 3.5), layout="constrained")[1]
    prefix = f"{label}: " if label else ""
    ax.plot(history.steps, history.train_loss, alpha=0.4 if color else 0.6, color=color,
            label=prefix + "training")
    if metric is not None:
        ax.plot(history.eval_steps, history.metric(metric), "o-", color=color,
                label=prefix + (metric_label or metric))
    ax.set_xlabel("optimisation step")
    ax.set_ylabel(ylabel)
    place_legend(ax, legend)
    return ax


def plot_series_split(times, values, n_val, n_test, ax=None, title=None, ylabel="value",
                      xlabel="time", legend="outside"):
    """A series with its chronological validation and test parts shaded (last n_val + n_test).

    The x axis shows ``times``: numbers (such as years) as they are, ``"YYYY-MM"`` month
    labels as decimal years, so that ticks fall on the start of whole years; ticks are at
    round values (e.g. every 50 years). ``legend`` is placed as in :func:`place_legend`.
    """
    ax = ax or plt.subplots(figsize=(7, 3), layout="constrained")[1]
    x, formatter = _time_positions(times)
    step = x[1] - x[0] if len(x) > 1 else 1.0
    a, b = len(values) - n_val - n_test, len(values) - n_test
    edges = np.concatenate([[x[0] - step / 2], (x[1:] + x[:-1]) / 2, [x[-1] + step / 2]])
    ax.plot(x, values, color="k", lw=1)
    ax.axvspan(edges[a], edges[b], color="tab:orange", alpha=0.2, label="validation")
    ax.axvspan(edges[b], edges[-1], color="tab:red", alpha=0.2, label="test")
    _readable_time_ticks(ax, x, formatter)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    place_legend(ax, legend)
    return ax


def plot_forecasts(history_times, history, future_times, truth, forecasts, ax=None, title=None,
                   ylabel="value", xlabel="time", legend="outside"):
    """The recent history, the held-out truth after it, and named forecasts of that truth.

    ``forecasts`` maps a label to predicted values aligned with ``future_times``. Times are
    handled as in :func:`plot_series_split` (numbers, or ``"YYYY-MM"`` month labels), with
    ticks at round values; ``legend`` is placed as in :func:`place_legend`.
    """
    ax = ax or plt.subplots(figsize=(7, 3.5), layout="constrained")[1]
    history_times, future_times = list(history_times), list(future_times)
    x, formatter = _time_positions(history_times + future_times)
    x_history, x_future = x[:len(history_times)], x[len(history_times):]
    ax.plot(x_history, history, color="k", lw=1, label="observed (input)")
    ax.plot(x_future, truth, color="k", lw=2, ls="--", label="held-out truth")
    for label, pred in forecasts.items():
        ax.plot(x_future, pred, lw=1.5, marker=".", label=label)
    _readable_time_ticks(ax, x, formatter)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    place_legend(ax, legend, fontsize="small")
    return ax


def plot_confusion_matrix(cm, labels, ax=None, title=None):
    """Row-normalised confusion matrix: row = true class, column = predicted, cell = share of
    the row's examples (so rare classes are as visible as frequent ones), with a labelled
    colour bar."""
    ax = ax or plt.subplots(figsize=(7, 6), layout="constrained")[1]
    rows = cm.sum(axis=1, keepdims=True)
    shares = cm / rows.clip(min=1)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or "Confusion matrix (share of each true class)")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, label="share of the true class's examples")
    return ax


def _text_colour(rgba):
    """Black or white, whichever reads better on a background of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"


def plot_char_activations(text, values, ax=None, title=None, width=60, fontsize=8,
                          colorbar_label="activation"):
    """Karpathy-style view of one hidden unit: each character of ``text`` on a coloured
    background, from blue (value -1) through light grey (0) to red (+1), in white on the
    dark colours and black on the light ones; newlines start a new row, shown as a return
    symbol. ``values`` holds one activation per character. A horizontal colour bar under
    the text, labelled ``colorbar_label``, gives the scale (``colorbar_label=None``: no
    colour bar).

    Each character needs about 0.12 inch of axes width at the default ``fontsize`` of 8
    points, so the default ``width`` of 60 characters fits a 7.5-inch figure.
    """
    if len(values) != len(text):
        raise ValueError(f"values: expected one per character ({len(text)}), got {len(values)}")
    cells, row, col = [], 0, 0
    for ch in text:
        cells.append((row, col, "\u21b5" if ch == "\n" else ch))
        col += 1
        if ch == "\n" or col >= width:
            row, col = row + 1, 0
    rows = cells[-1][0] + 1 if cells else 1
    ax = ax or plt.subplots(figsize=(min(width * 0.12 + 0.3, MAX_WIDTH), rows * 0.22 + 1.0),
                            layout="constrained")[1]
    cmap, norm = plt.get_cmap("coolwarm"), Normalize(vmin=-1, vmax=1)
    for (r, c, shown), v in zip(cells, values, strict=True):
        background = cmap(norm(float(v)))
        ax.text(c, -r, shown, family="monospace", ha="center", va="center",
                fontsize=fontsize, color=_text_colour(background),
                bbox={"boxstyle": "square,pad=0.15", "fc": background, "ec": "none"})
    ax.set_xlim(-1, width)
    ax.set_ylim(-rows + 0.4, 0.6)
    ax.axis("off")
    ax.set_title(title or "")
    if colorbar_label is not None:
        ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, orientation="horizontal",
                           shrink=0.4, aspect=30, pad=0.02, label=colorbar_label)
    return ax


def plot_attention(weights, source_tokens, target_tokens, ax=None, title=None):
    """Attention weights (T_target, S_source) as a heatmap: row t shows where the decoder
    looked while emitting target token t."""
    ax = ax or plt.subplots(figsize=(4, 4), layout="constrained")[1]
    ax.imshow(weights, cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60)
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source (English)")
    ax.set_ylabel("output (French)")
    ax.set_title(title or "")
    return ax
