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
