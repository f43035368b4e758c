"""Matplotlib helpers shared by the chapters: every figure has labelled axes."""

from __future__ import annotations

import matplotlib.pyplot as plt


def plot_history(history, metric=None, ax=None, label=None, ylabel="loss"):
    """Training loss per step and, if given, one evaluation ``metric`` at its steps."""
    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    prefix = f"{label}: " if label else ""
    ax.plot(history.steps, history.train_loss, alpha=0.6, label=prefix + "training")
    if metric is not None:
        ax.plot(history.eval_steps, history.metric(metric), "o-", label=prefix + metric)
    ax.set_xlabel("optimisation step")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_series_split(times, values, n_val, n_test, ax=None, title=None, ylabel="value"):
    """A series with its chronological validation and test parts shaded (last n_val + n_test)."""
    ax = ax or plt.subplots(figsize=(7, 3))[1]
    x = list(range(len(values)))
    a, b = len(values) - n_val - n_test, len(values) - n_test
    ax.plot(x, values, color="k", lw=1)
    ax.axvspan(a - 0.5, b - 0.5, color="tab:orange", alpha=0.2, label="validation")
    ax.axvspan(b - 0.5, len(values) - 0.5, color="tab:red", alpha=0.2, label="test")
    ticks = x[::max(len(x) // 6, 1)]
    ax.set_xticks(ticks, [str(times[i]) for i in ticks])
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    ax.legend(loc="upper left")
    return ax


def plot_forecasts(history_times, history, future_times, truth, forecasts, ax=None, title=None,
                   ylabel="value"):
    """The recent history, the held-out truth after it, and named forecasts of that truth.

    ``forecasts`` maps a label to predicted values aligned with ``future_times``.
    """
    ax = ax or plt.subplots(figsize=(7, 3.5))[1]
    ax.plot(list(history_times), history, color="k", lw=1, label="observed (input)")
    ax.plot(list(future_times), truth, color="k", lw=2, ls="--", label="held-out truth")
    for label, pred in forecasts.items():
        ax.plot(list(future_times), pred, lw=1.5, marker=".", label=label)
    ax.set_xlabel("time")
    ax.set_ylabel(ylabel)
    ax.set_title(title or "")
    ax.legend(fontsize="small")
    return ax


def plot_confusion_matrix(cm, labels, ax=None, title=None):
    """Row-normalised confusion matrix: row = true class, column = predicted, cell = share of
    the row's examples (so rare classes are as visible as frequent ones)."""
    ax = ax or plt.subplots(figsize=(7, 6))[1]
    rows = cm.sum(axis=1, keepdims=True)
    shares = cm / rows.clip(min=1)
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title or "Confusion matrix (share of each true class)")
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    return ax


def plot_char_activations(text, values, ax=None, title=None, width=60):
    """Karpathy-style view of one hidden unit: each character of ``text`` on a coloured
    background, from blue (value -1) to red (+1); newlines start a new row, shown as a
    return symbol. ``values`` holds one activation per character."""
    if len(values) != len(text):
        raise ValueError(f"values: expected one per character ({len(text)}), got {len(values)}")
    rows, row, col = 1 + text.count("\n") + len(text) // width, 0, 0
    ax = ax or plt.subplots(figsize=(width * 0.16, rows * 0.3))[1]
    cmap = plt.get_cmap("coolwarm")
    for ch, v in zip(text, values, strict=True):
        shown = "\u21b5" if ch == "\n" else ch
        ax.text(col, -row, shown, family="monospace", ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "square,pad=0.15", "fc": cmap((float(v) + 1) / 2),
                      "ec": "none"})
        col += 1
        if ch == "\n" or col >= width:
            row, col = row + 1, 0
    ax.set_xlim(-1, width)
    ax.set_ylim(-row - 1, 1)
    ax.axis("off")
    ax.set_title(title or "")
    return ax


def plot_attention(weights, source_tokens, target_tokens, ax=None, title=None):
    """Attention weights (T_target, S_source) as a heatmap: row t shows where the decoder
    looked while emitting target token t."""
    ax = ax or plt.subplots(figsize=(4, 4))[1]
    ax.imshow(weights, cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(range(len(source_tokens)), source_tokens, rotation=60)
    ax.set_yticks(range(len(target_tokens)), target_tokens)
    ax.set_xlabel("source (English)")
    ax.set_ylabel("output (French)")
    ax.set_title(title or "")
    return ax
