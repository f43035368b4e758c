"""Classification baselines that a recurrent classifier must beat: the majority class, and
multinomial naive Bayes over n-gram counts (character n-grams of a name, words of a sentence)."""

from __future__ import annotations

from collections import Counter

import numpy as np


def ngrams(tokens, n_values=(1, 2, 3), boundary="^$"):
    """All n-grams of ``tokens`` for n in ``n_values``, with start/end markers added, e.g.
    "Li" -> ^, L, i, $, ^L, Li, i$, ^Li, Li$ (for n = 1, 2, 3)."""
    seq = [boundary[0], *tokens, boundary[1]]
    grams = []
    for n in n_values:
        grams.extend(tuple(seq[i:i + n]) for i in range(len(seq) - n + 1))
    return grams


class MajorityClass:
    """Predict the most frequent training label, whatever the input."""

    def fit(self, features, labels):
        self.label = Counter(labels).most_common(1)[0][0]
        return self

    def predict(self, features):
        return np.full(len(features), self.label, dtype=np.int64)


class MultinomialNaiveBayes:
    """Multinomial naive Bayes with add-``alpha`` (Laplace) smoothing.

    log P(c | x) = log P(c) + sum_f count(f, x) log P(f | c) + const, with
    P(f | c) = (count(f, c) + alpha) / (sum_f' count(f', c) + alpha |F|)
    over the features F seen in training; unseen features are ignored.
    """

    def __init__(self, alpha=1.0, n_classes=None):
        if alpha <= 0:
            raise ValueError(f"alpha: expected a positive smoothing constant, got {alpha}")
        self.alpha, self.n_classes = alpha, n_classes

    def fit(self, features, labels):
        """features: list of feature lists (e.g. from :func:`ngrams`); labels: ints."""
        if len(features) != len(labels) or not labels:
            raise ValueError(f"fit: expected equal, non-zero numbers of examples and labels, "
                             f"got {len(features)} and {len(labels)}")
        n_classes = self.n_classes or max(labels) + 1
        self.index = {f: i for i, f in enumerate(sorted({f for fs in features for f in fs}))}
        counts = np.zeros((n_classes, len(self.index)))
        for fs, y in zip(features, labels, strict=True):
            for f, c in Counter(fs).items():
                counts[y, self.index[f]] += c
        prior = np.bincount(labels, minlength=n_classes) + 1.0     # no class gets log 0
        self.log_prior = np.log(prior / prior.sum())
        smoothed = counts + self.alpha
        self.log_likelihood = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
        return self

    def log_posterior(self, features):
        """Unnormalised log P(c | x): (N, C)."""
        scores = np.tile(self.log_prior, (len(features), 1))
        for i, fs in enumerate(features):
            idx = [self.index[f] for f in fs if f in self.index]
            if idx:
                scores[i] += self.log_likelihood[:, idx].sum(axis=1)
        return scores

    def predict(self, features):
        return self.log_posterior(features).argmax(axis=1)
