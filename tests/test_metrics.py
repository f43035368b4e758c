"""Metrics against hand-computed values and textbook definitions."""

import math

import numpy as np
import pytest

from rnncourse.metrics import (
    accuracy,
    balanced_accuracy,
    confusion_matrix,
    corpus_bleu,
    macro_f1,
    mae,
    mase,
    per_class_f1,
    rmse,
)


def test_confusion_matrix_rows_are_true_columns_predicted():
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.sum() == 6


def test_accuracy_and_macro_f1_by_hand():
    y_true, y_pred = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2]
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    # class 0: P=1/2 R=1/2 F=1/2; class 1: P=1/2 R=1 F=2/3; class 2: P=1 R=2/3 F=4/5
    f1 = per_class_f1(confusion_matrix(y_true, y_pred, 3))
    np.testing.assert_allclose(f1, [0.5, 2 / 3, 0.8])
    assert macro_f1(y_true, y_pred, 3) == pytest.approx((0.5 + 2 / 3 + 0.8) / 3)


def test_macro_f1_punishes_ignoring_a_rare_class():
    y_true = np.array([0] * 90 + [1] * 10)
    majority = np.zeros(100, dtype=int)
    assert accuracy(y_true, majority) == 0.9
    assert macro_f1(y_true, majority, 2) == pytest.approx((2 * 0.9 / 1.9) / 2)


def test_macro_f1_ignores_classes_absent_from_the_truth():
    assert macro_f1([0, 1], [0, 1], 5) == 1.0


def test_label_checks():
    with pytest.raises(ValueError, match="same length"):
        accuracy([0, 1], [0])
    with pytest.raises(ValueError, match=r"class indices in \[0, 2\)"):
        confusion_matrix([0, 2], [0, 1], 2)


def test_mae_rmse_by_hand():
    assert mae([1, 2, 3], [2, 2, 5]) == pytest.approx(1.0)
    assert rmse([1, 2, 3], [2, 2, 5]) == pytest.approx(math.sqrt(5 / 3))
    with pytest.raises(ValueError, match="truth's shape"):
        mae([1, 2], [1, 2, 3])


def test_mase_scales_by_in_sample_seasonal_naive_error():
    y_train = np.array([1.0, 2.0, 4.0, 7.0])        # naive errors 1, 2, 3 -> scale 2
    assert mase([10, 10], [11, 13], y_train) == pytest.approx(2.0 / 2.0)
    y_train = np.array([1.0, 5.0, 2.0, 7.0])        # season 2: errors 1, 2 -> scale 1.5
    assert mase([0.0], [3.0], y_train, season=2) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="undefined"):
        mase([1.0], [1.0], np.ones(5))


def test_bleu_perfect_and_disjoint():
    ref = "the cat is on the mat".split()
    assert corpus_bleu([[ref]], [ref]) == pytest.approx(1.0)
    assert corpus_bleu([[ref]], ["a dog runs".split()]) == 0.0


def test_bleu_by_hand_with_brevity_penalty():
    ref = "the cat sat on the mat".split()          # 6 tokens
    hyp = "the cat sat on mat".split()              # 5 tokens
    # clipped matches: 1-grams 5/5, 2-grams 3/4, 3-grams 2/3, 4-grams 1/2
    expected = math.exp(1 - 6 / 5) * (1 * 0.75 * (2 / 3) * 0.5) ** 0.25
    assert corpus_bleu([[ref]], [hyp]) == pytest.approx(expected)


def test_bleu_clips_repeated_words_and_sums_over_the_corpus():
    # "the the the": 1 clipped unigram match of 3 (Papineni et al.'s example idea)
    assert corpus_bleu([[["the", "cat"]]], [["the", "the", "the"]], max_n=1) == pytest.approx(1 / 3)
    refs, hyps = [[["a", "b"]], [["c", "d"]]], [["a", "b"], ["c", "x"]]
    # corpus totals: unigrams 3/4, bigrams 1/2, equal lengths -> no penalty
    assert corpus_bleu(refs, hyps, max_n=2) == pytest.approx(math.sqrt(0.75 * 0.5))


def test_bleu_multiple_references_clip_by_the_best_reference():
    refs = [["the cat is on the mat".split(), "there is a cat on the mat".split()]]
    hyp = "the the the the the the the".split()       # Papineni et al.'s example
    assert corpus_bleu(refs, [hyp], max_n=1) == pytest.approx(2 / 7)
    # closest reference length to 7 is 7 ("there is a cat on the mat"): no brevity penalty
    hyp2 = "there is a cat on the mat".split()
    assert corpus_bleu(refs, [hyp2]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="list of reference token lists"):
        corpus_bleu(["the cat".split()], ["the cat".split()])


def test_balanced_accuracy_is_mean_recall():
    y_true, y_pred = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2]
    assert balanced_accuracy(y_true, y_pred, 4) == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    assert balanced_accuracy([0] * 9 + [1], [0] * 10, 2) == pytest.approx(0.5)
