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

#: French typography puts (narrow) no-break spaces before ! ? : ; and uses curly quotes.
_NORMALISE = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " ", "\u2019": "'",
                            "\u2018": "'", "\u00ab": '"', "\u00bb": '"'})
_TOKEN = re.compile(r"\w+(?:'\w+)*'?|[^\w\s]")


def normalise(sentence):
    """NFC, typographic spaces and quotes made plain, lower case, whitespace collapsed."""
    sentence = unicodedata.normalize("NFC", sentence).translate(_NORMALISE).lower()
    return " ".join(sentence.split())


def tokenize(sentence):
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
    if len(fractions) != 3 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions: expected three values summing to 1, got {fractions}")
    translations = {}
    for eng, fra in pairs:
        translations.setdefault(eng, []).append(fra)
    english = sorted(translations)
    order = np.random.default_rng(seed).permutation(len(english))
    cut1 = int(round(fractions[0] * len(english)))
    cut2 = cut1 + int(round(fractions[1] * len(english)))
    parts = (order[:cut1], order[cut1:cut2], order[cut2:])
    return tuple({english[i]: translations[english[i]] for i in sorted(p)} for p in parts)
