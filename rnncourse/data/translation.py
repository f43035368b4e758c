"""English-French sentence pairs (Tatoeba Project via manythings.org/anki; data/seq2seq/eng-fra.txt)
with normalisation, tokenisation and a split by English sentence.

The file has 22,392 ``English<TAB>French`` lines but only 13,762 distinct English
sentences: many have several French translations. Splitting lines at random
would put one translation of a sentence in training and another in test, so the
split is made over distinct English sentences; all translations of a test
sentence serve as its references.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from .paths import data_path
from .splits import check_fractions, three_way_split

#: French typography puts (narrow) no-break spaces before ! ? : ; and uses curly quotes.
_NORMALISE = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2019": "'",
                            "\u2018": "'", "\u00ab": '"', "\u00bb": '"'})
_TOKEN = re.compile(r"\w+(?:'\w+)*'?|[^\w\s]")


def normalise(sentence):
    """NFC, typographic spaces and quotes made plain, lower case, whitespace collapsed."""
    sentence = unicodedata.normalize("NFC", sentence).translate(_NORMALISE).lower()
    return " ".join(sentence.split())


def words_and_punctuation(sentence):
    """Words (keeping apostrophes inside and at the end: "j'ai", "qu'", "don't") and
    punctuation marks as separate tokens, from a :func:`normalise`-d sentence."""
    return _TOKEN.findall(sentence)


def load_pairs():
    """List of (english, french) normalised sentence pairs in file order."""
    text = data_path("seq2seq", "eng-fra.txt").read_text(encoding="utf-8")
    pairs = []
    for line in text.split("\n"):
        if line.strip():
            eng, fra = line.split("\t")[:2]
            pairs.append((normalise(eng), normalise(fra)))
    return pairs


def split_pairs(pairs, fractions=(0.8, 0.1, 0.1), seed=0):
    """Seeded train/validation/test split of the distinct English sentences.

    Returns three dicts {english: [french translations]}, so every translation of
    a sentence lands in the same split.
    """
    check_fractions(fractions)
    translations = {}
    for eng, fra in pairs:
        translations.setdefault(eng, []).append(fra)
    english = sorted(translations)
    parts = three_way_split(len(english), fractions, np.random.default_rng(seed))
    return tuple({english[i]: translations[english[i]] for i in sorted(p)} for p in parts)
