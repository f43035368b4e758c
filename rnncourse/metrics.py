"""Held-out evaluation metrics used by the application chapters (NumPy, no other dependency).

Classification: :func:`accuracy`, :func:`balanced_accuracy`, :func:`confusion_matrix`,
:func:`per_class_f1`, :func:`macro_f1`. Forecasting: :func:`mae`, :func:`rmse`, :func:`mase`.
Translation: :func:`corpus_bleu` (Papineni et al., 2002).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


def _labels(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"expected two 1-d label arrays of the same length, got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("expected at least one label, got empty arrays")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of positions where y_pred (N,) equals y_true (N,)."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    """(C, C) integer counts: row = true class, column = predicted class."""
    y_true, y_pred = _labels(y_true, y_pred)
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.min() < 0 or y.max() >= n_classes:
            raise ValueError(f"{name}: expected class indices in [0, {n_classes}), got range "
                             f"[{y.min()}, {y.max()}]")
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def per_class_f1(cm):
    """F1 = 2PR / (P + R) for each class of a confusion matrix (C, C); 0 where P + R = 0."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted, actual = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    return np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)


def macro_f1(y_true, y_pred, n_classes):
    """Unweighted mean of the per-class F1 over the classes present in y_true.

    Every class counts equally, however rare: a classifier that ignores the
    small classes scores low even when its accuracy is high.
    """
    cm = confusion_matrix(y_true, y_pred, n_classes)
    present = cm.sum(axis=1) > 0
    return float(per_class_f1(cm)[present].mean())


def balanced_accuracy(y_true, y_pred, n_classes):
    """Mean over the classes present in y_true of the recall (share of the class found).

    Unlike accuracy, every class counts equally: always predicting the majority
    class scores 1 / (number of classes present).
    """
    cm = confusion_matrix(y_true, y_pred, n_classes)
    actual = cm.sum(axis=1)
    present = actual > 0
    return float((np.diag(cm)[present] / actual[present]).mean())


def _series(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"expected forecasts of the truth's shape {y_true.shape}, "
                         f"got {y_pred.shape}")
    return y_true, y_pred


def mae(y_true, y_pred):
    """Mean absolute error over all entries."""
    y_true, y_pred = _series(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def rmse(y_true, y_pred):
    """Root mean squared error over all entries."""
    y_true, y_pred = _series(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mase(y_true, y_pred, y_train, season=1):
    """Mean absolute scaled error (Hyndman & Koehler, 2006).

    The test MAE divided by the in-sample MAE of the (seasonal) naive forecast
    y_hat_t = y_{t - season} on the training series y_train (1-d). Below 1: better
    than that (seasonal) naive forecast did on the training data; with season=1
    that is the one-step naive forecast, with season=m the forecast that repeats
    the value m steps earlier (m=12 for monthly data with a yearly season).
    """
    y_train = np.asarray(y_train, dtype=np.float64)
    if y_train.ndim != 1 or y_train.size <= season:
        raise ValueError(f"y_train: expected a 1-d series longer than season={season}, "
                         f"got shape {y_train.shape}")
    scale = np.mean(np.abs(y_train[season:] - y_train[:-season]))
    if scale == 0:
        raise ValueError("y_train: the naive forecast is exact on the training series, "
                         "so MASE is undefined")
    return mae(y_true, y_pred) / float(scale)


def _ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(references, hypotheses, max_n=4):
    """Corpus-level BLEU (Papineni et al., 2002), with one or more references per hypothesis.

    references[i]: a list of reference token lists for hypothesis i (a sentence
    with several correct translations has several); hypotheses[i]: a token list.
    Each hypothesis n-gram count is clipped by its largest count in any one
    reference; clipped matches and totals for n = 1..max_n are summed over the
    corpus before the geometric mean of the precisions. The brevity penalty
    exp(1 - r/c) applies when the total hypothesis length c is below r, the sum
    of the reference lengths closest to each hypothesis' length. Returns a value
    in [0, 1] (0 when some n-gram order has no match at all).
    """
    if len(references) != len(hypotheses) or not references:
        raise ValueError(f"expected equal, non-zero numbers of references and hypotheses, got "
                         f"{len(references)} and {len(hypotheses)}")
    matches, totals = [0] * max_n, [0] * max_n
    ref_len = hyp_len = 0
    for refs, hyp in zip(references, hypotheses, strict=True):
        if not refs or not isinstance(refs[0], list | tuple):
            raise ValueError("references: expected a list of reference token lists per "
                             f"hypothesis, got {refs!r:.60}")
        hyp_len += len(hyp)
        ref_len += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_n + 1):
            max_ref = Counter()
            for r in refs:
                max_ref |= _ngrams(r, n)
            matches[n - 1] += sum(min(c, max_ref[g]) for g, c in _ngrams(hyp, n).items())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    if min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals, strict=True)) / max_n
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return brevity * math.exp(log_precision)
