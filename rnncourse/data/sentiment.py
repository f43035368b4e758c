"""UCI Sentiment Labelled Sentences (Kotzias et al., 2015): 3 x 1000 review sentences from
amazon.com, imdb.com and yelp.com, labelled 1 (positive) or 0 (negative).

Reading follows data/SOURCES.md: lines are split on ``"\\n"`` only (imdb holds
U+0085, which ``str.splitlines`` treats as a line break), the label is after
the last tab, and no quote character is special. Stray C1 control characters
(cp1252 dashes and ellipses decoded as Latin-1) are mapped back. Exact duplicate
sentences are dropped (the first copy is kept, in the order amazon, imdb, yelp),
so no sentence is in two splits.
"""

from __future__ import annotations

import re

import numpy as np

from .paths import data_path
from .splits import check_fractions, three_way_split

SOURCES = ("amazon", "imdb", "yelp")
_C1 = str.maketrans({"\u0096": "-", "\u0097": "-", "\u0085": "..."})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")


def load_sentiment():
    """List of (sentence, label, source) triples, label 0 or 1, exact duplicates removed."""
    rows, seen = [], set()
    for source in SOURCES:
        path = data_path("sentiment", f"{source}_{'cells_' if source == 'amazon' else ''}"
                                      f"labelled.txt")
        for line in path.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            sentence, label = line.rsplit("\t", 1)
            sentence = sentence.translate(_C1).strip()
            if sentence in seen:
                continue
            seen.add(sentence)
            rows.append((sentence, int(label), source))
    return rows


def lowercase_words(sentence):
    """Lower-cased words (keeping inner apostrophes: "don't") plus "!" and "?" as tokens."""
    return _TOKEN.findall(sentence.lower())


def split_sentiment(rows, fractions=(0.8, 0.1, 0.1), seed=0):
    """Seeded train/validation/test split, stratified by (source, label)."""
    check_fractions(fractions)
    rng = np.random.default_rng(seed)
    parts = ([], [], [])
    for key in sorted({(src, lab) for _, lab, src in rows}):
        group = [r for r in rows if (r[2], r[1]) == key]
        for part, idx in zip(parts, three_way_split(len(group), fractions, rng), strict=True):
            part.extend(group[j] for j in idx)
    return parts
