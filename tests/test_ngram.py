"""The Witten-Bell character n-gram baseline against nltk's implementation and by hand."""

import math

import numpy as np
import pytest

from rnncourse.apps.ngram import WittenBellLM, choose_order, count_floors

TEXT = "the cat sat on the mat. the dog sat on the log. a cat and a dog."


def test_agrees_with_nltk_witten_bell_interpolated():
    from nltk.lm import WittenBellInterpolated
    from nltk.util import everygrams

    for order in (1, 2, 3, 4):
        theirs = WittenBellInterpolated(order)
        theirs.fit([list(everygrams(list(TEXT), max_len=order))], vocabulary_text=list(TEXT))
        ours = WittenBellLM(order).fit(TEXT)
        for context in ("", "t", "th", "e c", "xyz", " a", "og."):
            for symbol in "tha .gz":
                if symbol == "z":
                    continue                            # nltk maps unseen symbols to <UNK>
                expected = theirs.score(symbol, list(context[len(context) - order + 1:])
                                        if order > 1 else None)
                assert ours.prob(symbol, context) == pytest.approx(expected, rel=1e-12), (
                    order, context, symbol)


def test_by_hand_and_a_lower_order_from_the_same_counts():
    lm = WittenBellLM(2).fit("abab")
    # unigram: a 2/4; after "a": b twice, one type -> (2 + 1 * P(b)) / (2 + 1) = (2 + .5) / 3
    assert lm.prob("b", "a") == pytest.approx(2.5 / 3, rel=1e-14)
    assert lm.prob("a", "a") == pytest.approx(0.5 / 3, rel=1e-14)
    assert lm.prob("b", "a", order=1) == pytest.approx(0.5, rel=1e-14)
    expected = -(math.log(2.5 / 3) + math.log(lm.prob("a", "b")) + math.log(2.5 / 3)) / 3
    assert lm.nll("abab") == pytest.approx(expected, rel=1e-14)


def test_probabilities_sum_to_one_over_the_alphabet():
    lm = WittenBellLM(3).fit(TEXT)
    for context in ("th", "at", "qq", ""):
        assert sum(lm.prob(ch, context) for ch in set(TEXT)) == pytest.approx(1, abs=1e-12)


def test_choose_order_prefers_context_on_repetitive_text():
    model, best, scores = choose_order(TEXT * 20, TEXT * 2, (1, 2, 4))
    assert best == 4 and scores[4] < scores[2] < scores[1]
    assert model.order == 4


def test_errors_name_what_was_expected():
    with pytest.raises(ValueError, match="order: expected n >= 1"):
        WittenBellLM(0)
    with pytest.raises(RuntimeError, match="fit"):
        WittenBellLM(2).prob("a", "b")
    lm = WittenBellLM(2).fit("abab")
    with pytest.raises(ValueError, match=r"expected 1\.\.2"):
        lm.nll("ab", order=3)
    with pytest.raises(ValueError, match="never occurs"):
        lm.nll("abc")


def test_count_floors_by_hand():
    train, held_out = np.array([0, 1, 0, 1, 1]), np.array([0, 1, 1])
    floors = count_floors(train, held_out, 3)
    unigram = np.array([2, 3, 0]) + 1.0
    unigram /= unigram.sum()
    # bigram rows with add-one: after 0 -> 1 twice; after 1 -> 0 once, 1 once
    p01, p11 = 3 / 5, 2 / 5
    assert floors["uniform"] == pytest.approx(math.log(3), rel=1e-14)
    assert floors["unigram"] == pytest.approx(-np.log(unigram[[1, 1]]).mean(), rel=1e-14)
    assert floors["bigram"] == pytest.approx(-(math.log(p01) + math.log(p11)) / 2, rel=1e-14)
