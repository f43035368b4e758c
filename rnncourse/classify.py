"""Training and prediction for sequence classifiers on variable-length token sequences:
shuffled padded mini-batches, optional class weights, and model selection on validation."""

from __future__ import annotations

import copy

import numpy as np
import torch

from .data.tokens import pad_batch
from .metrics import macro_f1
from .train import train


def balanced_class_weights(labels, n_classes):
    """w_c = N / (C n_c): each class gets the same total weight (classes absent -> weight 0)."""
    counts = np.bincount(np.asarray(labels), minlength=n_classes).astype(np.float64)
    weights = np.divide(len(labels), n_classes * counts, out=np.zeros(n_classes),
                        where=counts > 0)
    return torch.tensor(weights, dtype=torch.float32)


def padded_batches(sequences, labels, batch_size, seed=0):
    """Endless shuffled mini-batches (ids (B, T), lengths (B,), labels (B,)) of int64 tensors."""
    labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    gen = torch.Generator().manual_seed(seed)
    while True:
        for idx in torch.randperm(len(sequences), generator=gen).split(batch_size):
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
                   lr=3e-3, batch_size=64, class_weights=None, eval_every=None, desc="training"):
    """Adam on (optionally class-weighted) cross-entropy; returns the :class:`History`.

    Every ``eval_every`` steps the validation accuracy and macro-F1 are measured;
    the weights with the best validation macro-F1 are restored at the end.
    """
    val_labels = np.asarray(val_labels)
    best = {"f1": -1.0, "state": None}

    def loss_fn(m, batch):
        ids, lengths, y = batch
        return torch.nn.functional.cross_entropy(m(ids, lengths), y, weight=class_weights)

    def evaluate(m):
        pred = predict_logits(m, val_seqs).argmax(dim=1).numpy()
        f1 = macro_f1(val_labels, pred, n_classes)
        if f1 > best["f1"]:
            best.update(f1=f1, state=copy.deepcopy(m.state_dict()))
        return {"val_acc": float(np.mean(pred == val_labels)), "val_macro_f1": f1}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = train(model, loss_fn, padded_batches(train_seqs, train_labels, batch_size),
                    optimizer, steps, clip=1.0, evaluate=evaluate,
                    eval_every=eval_every or max(steps // 10, 1), desc=desc)
    model.load_state_dict(best["state"])
    model.eval()
    return history
