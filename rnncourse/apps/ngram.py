"""A smoothed character n-gram language model: the baseline a network must beat.

Interpolated Witten-Bell smoothing (Witten & Bell, 1991), in the form of
``nltk.lm.WittenBellInterpolated`` (the tests check the two agree). With c(.) counts in
the training text, N1+(u) the number of distinct symbols seen after context u, and u'
the context u without its oldest symbol,

    P(w | u) = (c(u w) + N1+(u) P(w | u')) / (c(u) + N1+(u))      if u was seen,
    P(w | u) = P(w | u')                                           otherwise,

down to the unigram frequency P(w) = c(w) / N. Pure Python: counting a million
characters for order 8 takes a few seconds. :func:`count_floors` gives the floors below
it: the uniform, add-one unigram and add-one bigram models.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class WittenBellLM:
    """Interpolated Witten-Bell model of ``order`` n over a string (its characters are the
    symbols): each symbol is predicted from at most the n - 1 symbols before it."""

    def __init__(self, order: int):
        if order < 1:
            raise ValueError(f"order: expected n >= 1, got {order}")
        self.order = order
        self.grams: Counter[str] = Counter()     # c(u w) for every k-gram, k = 1..order
        self.context_total: Counter[str] = Counter()   # c(u): occurrences followed by a symbol
        self.context_types: Counter[str] = Counter()   # N1+(u): distinct symbols after u
        self.n_symbols = 0

    def fit(self, text: str) -> WittenBellLM:
        """Count every k-gram (k = 1..order) of ``text``."""
        if len(text) < self.order:
            raise ValueError(f"fit: expected at least order={self.order} characters, "
                             f"got {len(text)}")
        self.n_symbols = len(text)
        for k in range(1, self.order + 1):
            self.grams.update(text[i:i + k] for i in range(len(text) - k + 1))
        for gram, count in self.grams.items():
            if len(gram) > 1:
                self.context_total[gram[:-1]] += count
                self.context_types[gram[:-1]] += 1
        return self

    def _check_order(self, order: int | None) -> int:
        if not self.n_symbols:
            raise RuntimeError("WittenBellLM: call fit(training text) first")
        order = self.order if order is None else order
        if not 1 <= order <= self.order:
            raise ValueError(f"order: expected 1..{self.order} (the fitted order), got {order}")
        return order

    def prob(self, symbol: str, context: str, order: int | None = None) -> float:
        """P(symbol | the last n - 1 characters of context) for the model of order n =
        ``order`` (default: the fitted order; the counts of a fitted order serve every
        lower one)."""
        order = self._check_order(order)
        p = self.grams[symbol] / self.n_symbols
        context = context[len(context) - order + 1:] if order > 1 else ""
        for k in range(1, len(context) + 1):              # from the shortest context up
            u = context[-k:]
            total = self.context_total[u]
            if total:
                types = self.context_types[u]
                p = (self.grams[u + symbol] + types * p) / (total + types)
        return p

    def nll(self, text: str, start: int = 1, order: int | None = None) -> float:
        """Mean negative log-likelihood (nats per character) of ``text[start:]``, each
        character predicted from the characters before it in ``text``, by the model of
        order ``order`` (default: the fitted order)."""
        order = self._check_order(order)
        if not 0 <= start < len(text):
            raise ValueError(f"start: expected 0 <= start < {len(text)}, got {start}")
        total = 0.0
        for t in range(start, len(text)):
            p = self.prob(text[t], text[max(0, t - order + 1):t], order)
            if p == 0.0:
                raise ValueError(f"nll: character {text[t]!r} never occurs in the training "
                                 f"text, so its probability is 0")
            total -= math.log(p)
        return total / (len(text) - start)


def choose_order(train: str, val: str,
                 orders: Sequence[int]) -> tuple[WittenBellLM, int, dict[int, float]]:
    """Fit once at the highest of ``orders`` and score every order on ``val``.

    Returns (the fitted model, the order with the lowest validation nats/char, each
    order's score); pass the chosen order to the model's ``nll``/``prob``.
    """
    model = WittenBellLM(max(orders)).fit(train)
    scores = {n: model.nll(val, order=n) for n in orders}
    return model, min(scores, key=scores.__getitem__), scores


def count_floors(train_ids: np.ndarray, held_out_ids: np.ndarray,
                 vocab_size: int) -> dict[str, float]:
    """Nats/char of ``held_out_ids[1:]`` (int ids < ``vocab_size``) under the uniform model,
    the unigram and the bigram model with add-one smoothing fitted on ``train_ids``."""
    train_ids, held_out_ids = np.asarray(train_ids), np.asarray(held_out_ids)
    unigram = np.bincount(train_ids, minlength=vocab_size) + 1.0
    unigram /= unigram.sum()
    pairs = np.ones((vocab_size, vocab_size))
    np.add.at(pairs, (train_ids[:-1], train_ids[1:]), 1)
    bigram = pairs / pairs.sum(axis=1, keepdims=True)
    return {"uniform": math.log(vocab_size),
            "unigram": float(-np.log(unigram[held_out_ids[1:]]).mean()),
            "bigram": float(-np.log(bigram[held_out_ids[:-1], held_out_ids[1:]]).mean())}
