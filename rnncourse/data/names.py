"""Surnames labelled with 18 languages (data/names/<Language>.txt) and a leak-free split.

Cleaning, as documented in data/SOURCES.md: surrounding whitespace is stripped
(``"Sze "`` -> ``"Sze"``) and repeated (name, language) lines are dropped, which
shrinks Arabic from 2000 lines to 108 names. A name listed under several
languages keeps every label, but all its copies fall in the same split, so no
test name was seen in training. The split is stratified by language and seeded.
"""

from __future__ import annotations

import numpy as np

from .paths import data_path
from .splits import check_fractions, three_way_split

LANGUAGES = ("Arabic", "Chinese", "Czech", "Dutch", "English", "French", "German", "Greek",
             "Irish", "Italian", "Japanese", "Korean", "Polish", "Portuguese", "Russian",
             "Scottish", "Spanish", "Vietnamese")


def load_names():
    """Distinct (surname, language index) pairs, sorted; language names in :data:`LANGUAGES`."""
    pairs = set()
    for label, lang in enumerate(LANGUAGES):
        text = data_path("names", f"{lang}.txt").read_text(encoding="utf-8")
        pairs.update((line.strip(), label) for line in text.split("\n") if line.strip())
    return sorted(pairs)


def split_names(pairs, fractions=(0.8, 0.1, 0.1), seed=0):
    """Split (name, label) pairs into train/validation/test lists by distinct name string.

    Each language's names are shuffled with ``seed`` and cut by ``fractions``
    (so even the rarest language has validation and test names); a name with
    several labels goes where its first language puts it, with all its labels.
    """
    check_fractions(fractions)
    rng = np.random.default_rng(seed)
    labels_of = {}
    for name, label in pairs:
        labels_of.setdefault(name, []).append(label)
    by_language = {}
    for name, labels in sorted(labels_of.items()):
        by_language.setdefault(min(labels), []).append(name)
    parts = ([], [], [])
    for label in sorted(by_language):
        names = by_language[label]
        for part, idx in zip(parts, three_way_split(len(names), fractions, rng), strict=True):
            part.extend((names[j], lab) for j in idx for lab in labels_of[names[j]])
    return parts
