"""Baselines and the classifier training helpers."""

import math

import numpy as np
import pytest
import torch

from rnncourse.apps.classify import (
    MajorityClass,
    MultinomialNaiveBayes,
    SequenceClassifier,
    balanced_class_weights,
    fit_classifier,
    fit_naive_bayes,
    ngrams,
    predict_logits,
)


def test_ngrams_with_boundaries():
    assert ngrams(list("Li")) == [("^",), ("L",), ("i",), ("$",), ("^", "L"), ("L", "i"),
                                  ("i", "$"), ("^", "L", "i"), ("L", "i", "$")]


def test_majority_class():
    assert MajorityClass().fit(None, [2, 1, 2]).predict([None] * 4).tolist() == [2, 2, 2, 2]


def test_naive_bayes_by_hand():
    nb = MultinomialNaiveBayes(alpha=1.0, n_classes=2).fit([["a", "a"], ["b"]], [0, 1])
    # class 0: P(a) = 3/4, P(b) = 1/4; class 1: P(a) = 1/3, P(b) = 2/3; priors 1/2 each
    np.testing.assert_allclose(nb.log_posterior([["a", "b", "zzz"]])[0],
                               [math.log(0.5 * 3 / 4 * 1 / 4), math.log(0.5 * 1 / 3 * 2 / 3)])
    assert nb.predict([["a"], ["b", "b"]]).tolist() == [0, 1]
    with pytest.raises(ValueError, match="positive smoothing"):
        MultinomialNaiveBayes(alpha=0)


def test_fit_naive_bayes_chooses_alpha_on_validation():
    # class 0 says "a", class 1 says "b"; validation holds a feature never seen with class 1,
    # so only a small alpha keeps the evidence of "b" above the prior of class 0
    train = [["a"]] * 8 + [["b"]] * 2
    labels = [0] * 8 + [1] * 2
    val, val_labels = [["b"], ["a"]], [1, 0]
    model, alpha, scores = fit_naive_bayes(train, labels, val, val_labels, 2,
                                           alphas=(0.1, 100.0))
    assert scores == {0.1: 1.0, 100.0: pytest.approx(1 / 3)} and alpha == 0.1
    assert model.alpha == 0.1 and list(model.predict(val)) == [1, 0]


def test_balanced_class_weights_give_each_class_equal_total_weight():
    labels = np.array([0] * 8 + [1] * 2)
    w = balanced_class_weights(labels, 3)
    np.testing.assert_allclose(w.numpy(), [10 / 24, 10 / 6, 0.0])
    assert w[0] * 8 == pytest.approx(w[1] * 2)


def test_fit_classifier_learns_first_token_rule_and_keeps_best_weights():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    seqs = [list(rng.integers(2, 6, size=rng.integers(1, 6))) for _ in range(200)]
    labels = np.array([int(s[0] >= 4) for s in seqs])
    model = SequenceClassifier(6, 2, embed_dim=4, hidden_size=16, cell="gru")
    hist = fit_classifier(model, seqs[:150], labels[:150], seqs[150:], labels[150:], 2, 150,
                          lr=1e-2, batch_size=32, eval_every=25)
    best = max(hist.metric("val_macro_f1"))
    pred = predict_logits(model, seqs[150:]).argmax(1).numpy()
    f1_restored = hist.metric("val_macro_f1")[int(np.argmax(hist.metric("val_macro_f1")))]
    assert best == f1_restored and best > 0.9
    assert np.mean(pred == labels[150:]) > 0.9
