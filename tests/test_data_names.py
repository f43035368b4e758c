"""Surnames: cleaning as documented in data/SOURCES.md and a split without leakage."""

from collections import Counter

from rnncourse.data.names import LANGUAGES, load_names, split_names


def test_cleaning_strips_and_deduplicates():
    pairs = load_names()
    assert len(LANGUAGES) == 18 and len(pairs) == len(set(pairs))
    by_language = Counter(LANGUAGES[y] for _, y in pairs)
    assert by_language["Arabic"] == 108                     # 2000 lines, 108 distinct names
    names = {n for n, _ in pairs}
    assert "Sze" in names and "Sze " not in names           # trailing space stripped
    assert all(n == n.strip() and n for n in names)


def test_split_keeps_every_copy_of_a_name_together_and_covers_every_language():
    pairs = load_names()
    train, val, test = split_names(pairs, seed=0)
    assert sorted(train + val + test) == pairs
    strings = [{n for n, _ in part} for part in (train, val, test)]
    assert not (strings[0] & strings[1] or strings[0] & strings[2] or strings[1] & strings[2])
    for part in (val, test):
        assert {y for _, y in part} == set(range(18))
    assert split_names(pairs, seed=0) == (train, val, test)   # seeded
    assert split_names(pairs, seed=1)[2] != test
