"""Sentiment sentences: read as SOURCES.md prescribes, tokenised, split without leakage."""

from collections import Counter

import pytest

from rnncourse.data.sentiment import load_sentiment, lowercase_words, split_sentiment


def test_every_line_is_read_and_duplicates_are_dropped():
    rows = load_sentiment()
    per_source = Counter(src for _, _, src in rows)
    # 1000 lines each minus within-file duplicates (amazon 10, imdb 3, yelp 4 per SOURCES.md),
    # and the imdb copy of "Very disappointing." (already in amazon) is dropped too
    assert per_source == {"amazon": 990, "imdb": 996, "yelp": 996}
    assert all(lab in (0, 1) for _, lab, _ in rows)
    assert not any(ch in s for s, _, _ in rows for ch in "\u0085\u0096\u0097\t")
    assert len({s for s, _, _ in rows}) == len(rows)


def test_tokenize():
    words = lowercase_words("Don't buy it!! Great?")
    assert words == ["don't", "buy", "it", "!", "!", "great", "?"]


def test_split_is_stratified_and_disjoint():
    rows = load_sentiment()
    train, val, test = split_sentiment(rows, seed=0)
    assert sorted(train + val + test) == sorted(rows)
    sentences = [{r[0] for r in part} for part in (train, val, test)]
    assert not (sentences[0] & sentences[2] or sentences[0] & sentences[1])
    counts = Counter((src, lab) for _, lab, src in test)
    assert len(counts) == 6 and min(counts.values()) >= 45
    with pytest.raises(ValueError, match="summing to 1"):
        split_sentiment(rows, (0.5, 0.5, 0.5))
