"""Token vocabularies with padding and unknown-token indices, and padding of variable-length
sequences into a batch (characters of a surname, words of a sentence, ...)."""

from __future__ import annotations

from collections import Counter

import numpy as np

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
#: Indices of the special tokens: padding and unknown come first in every vocabulary;
#: a vocabulary built with ``extra=(BOS, EOS)`` (a translation target) puts those next.
PAD_ID, UNK_ID, BOS_ID, EOS_ID = 0, 1, 2, 3


class TokenVocab:
    """Tokens seen at least ``min_freq`` times in the training sequences, indexed after the
    special tokens: :data:`PAD_ID` = ``<pad>``, :data:`UNK_ID` = ``<unk>`` (then any ``extra``
    specials, e.g. ``<bos>``, ``<eos>`` at :data:`BOS_ID`, :data:`EOS_ID`).

    Build it from the training split only, so that held-out text can contain
    unknown tokens, as new input will.
    """

    def __init__(self, sequences, min_freq=1, extra=()):
        counts = Counter(tok for seq in sequences for tok in seq)
        specials = [PAD, UNK, *extra]
        kept = sorted(t for t, c in counts.items() if c >= min_freq and t not in specials)
        self.tokens = specials + kept
        self.index = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self):
        return len(self.tokens)

    @property
    def pad(self):
        return PAD_ID

    @property
    def unk(self):
        return UNK_ID

    def encode(self, seq):
        """Sequence of tokens -> list of indices (unknown tokens -> :data:`UNK_ID`)."""
        return [self.index.get(t, UNK_ID) for t in seq]

    def decode(self, ids, sep=""):
        """Indices -> tokens joined with ``sep`` (padding dropped)."""
        return sep.join(self.tokens[int(i)] for i in ids if int(i) != PAD_ID)


def pad_batch(sequences, pad=PAD_ID):
    """Right-pad integer sequences: returns ids (N, T_max) int64 and lengths (N,) int64."""
    if not sequences:
        raise ValueError("pad_batch: expected at least one sequence, got none")
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    if lengths.min() == 0:
        raise ValueError("pad_batch: expected non-empty sequences, got one of length 0")
    ids = np.full((len(sequences), lengths.max()), pad, dtype=np.int64)
    for i, seq in enumerate(sequences):
        ids[i, :len(seq)] = seq
    return ids, lengths
