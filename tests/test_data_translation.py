"""English-French pairs: normalisation, tokenisation, and a split by English sentence."""

from rnncourse.data.translation import load_pairs, normalise, split_pairs, words_and_punctuation


def test_normalise_and_tokenize_french_typography():
    s = normalise("J\u2019ai froid\u202f! \u00abOui\u00bb")
    assert s == "j'ai froid ! \"oui\""
    assert words_and_punctuation(s) == ["j'ai", "froid", "!", '"', "oui", '"']
    assert words_and_punctuation("qu'il est-ce") == ["qu'il", "est", "-", "ce"]


def test_pairs_and_split_by_english_sentence():
    pairs = load_pairs()
    assert len(pairs) == 22392 and pairs[0] == ("go.", "va !")
    train, val, test = split_pairs(pairs, seed=0)
    assert len(train) + len(val) + len(test) == len({e for e, _ in pairs}) == 13762
    assert not set(train) & set(test) and not set(val) & set(test)
    assert sum(len(v) for v in (*train.values(), *val.values(), *test.values())) == len(pairs)
    assert "\u202f" not in "".join(f for _, f in pairs)
