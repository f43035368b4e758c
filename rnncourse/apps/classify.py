"""Sequence classification (surnames by language, sentiment): the recurrent classifier over
padded, packed batches, its training with optional class weights and model selection on
validation, and the baselines it must beat (the majority class, and multinomial naive
Bayes over n-gram counts: character n-grams of a name, words of a sentence)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from torch import nn

from ..data.tokens import PAD_ID, pad_batch
from ..metrics import macro_f1
from ..train import shuffled_batches, train
from .blocks import recurrent_layer


class SequenceClassifier(nn.Module):
    """Embedding -> RNN/LSTM/GRU over a padded batch -> linear layer on the last real state.

    ids (N, T) int64 right-padded with ``pad_idx``, lengths (N,) -> logits (N, n_classes).
    The batch is *packed*, so the recurrence stops at each sequence's own length
    and never reads padding: the state used is h at t = length - 1, not at T - 1.
    """

    def __init__(self, vocab_size, n_classes, embed_dim=32, hidden_size=128, cell="gru",
                 num_layers=1, dropout=0.0, pad_idx=PAD_ID):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, ids, lengths):
        if ids.dim() != 2 or lengths.shape != ids.shape[:1]:
            raise ValueError(f"expected ids (N, T) and lengths (N,), got {tuple(ids.shape)} and "
                             f"{tuple(lengths.shape)}")
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        _, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state    # LSTM returns (h_n, c_n)
        return self.head(self.drop(h_n[-1]))


def balanced_class_weights(labels, n_classes):
    """w_c = N / (C n_c): each class gets the same total weight (classes absent -> weight 0)."""
    counts = np.bincount(np.asarray(labels), minlength=n_classes).astype(np.float64)
    weights = np.divide(len(labels), n_classes * counts, out=np.zeros(n_classes),
                        where=counts > 0)
    return torch.tensor(weights, dtype=torch.float32)


def padded_batches(sequences, labels, batch_size, seed=0):
    """Endless shuffled mini-batches (ids (B, T), lengths (B,), labels (B,)) of int64 tensors."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    for idx in shuffled_batches(len(sequences), batch_size, seed):
        ids, lengths = pad_batch([sequences[i] for i in idx])
        yield torch.from_numpy(ids), torch.from_numpy(lengths), labels[idx]


def predict_logits(model, sequences, batch_size=512):
    """Logits (N, C) of a classifier ``model(ids, lengths)`` for lists of token ids, eval mode."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(sequences), batch_size):
            ids, lengths = pad_batch(sequences[start:start + batch_size])
            out.append(model(torch.from_numpy(ids), torch.from_numpy(lengths)))
    return torch.cat(out)


def fit_classifier(model, train_seqs, train_labels, val_seqs, val_labels, n_classes, steps, *,
                   lr=3e-3, batch_size=64, class_weights=None, eval_every=None, max_eval=None,
                   desc="training"):
    """Adam on (optionally class-weighted) cross-entropy; returns the :class:`History`.

    Every ``eval_every`` steps the validation accuracy and macro-F1 are measured
    (on the first ``max_eval`` validation sequences, if given: a budget for quick
    runs); the weights with the best validation macro-F1 are restored at the end.
    """
    val_seqs, val_labels = val_seqs[:max_eval], np.asarray(val_labels)[:max_eval]

    def loss_fn(m, batch):
        ids, lengths, y = batch
        return torch.nn.functional.cross_entropy(m(ids, lengths), y, weight=class_weights)

    def evaluate(m):
        pred = predict_logits(m, val_seqs).argmax(dim=1).numpy()
        return {"val_acc": float(np.mean(pred == val_labels)),
                "val_macro_f1": macro_f1(val_labels, pred, n_classes)}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return train(model, loss_fn, padded_batches(train_seqs, train_labels, batch_size),
                 optimizer, steps, clip=1.0, evaluate=evaluate,
                 eval_every=eval_every or max(steps // 10, 1), keep_best="val_macro_f1",
                 maximize=True, desc=desc)


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


def fit_naive_bayes(train_features, train_labels, val_features, val_labels, n_classes,
                    alphas=(0.01, 0.03, 0.1, 0.3, 1.0, 3.0)):
    """Multinomial naive Bayes with its smoothing ``alpha`` chosen on validation macro-F1.

    Returns (the model refitted with the best alpha, that alpha, {alpha: validation
    macro-F1}); the baseline gets the same tuning on validation as the networks.
    """
    scores, models = {}, {}
    for alpha in alphas:
        models[alpha] = MultinomialNaiveBayes(alpha, n_classes).fit(train_features,
                                                                    list(train_labels))
        scores[alpha] = macro_f1(np.asarray(val_labels), models[alpha].predict(val_features),
                                 n_classes)
    best = max(scores, key=scores.__getitem__)
    return models[best], best, scores
