"""Token vocabularies with padding and unknown-token indices, and padding of variable-length
sequences into a batch (characters of a surname, words of a sentence, ...)."""

from __future__ import annotations

from collections import Counter

import numpy as np

PAD, UNK = "<pad>", "<unk>"


class TokenVocab:
    """Tokens seen at least ``min_freq`` times in the training sequences, indexed after the
    special tokens: 0 = ``<pad>``, 1 = ``<unk>`` (then any ``extra`` specials, e.g. ``<bos>``).

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
        return 0

    @property
    def unk(self):
        return 1

    def encode(self, seq):
        """Sequence of tokens -> list of indices (unknown tokens -> 1)."""
        return [self.index.get(t, 1) for t in seq]

    def decode(self, ids, sep=""):
        """Indices -> tokens joined with ``sep`` (padding dropped)."""
        return sep.join(self.tokens[int(i)] for i in ids if int(i) != 0)


def pad_batch(sequences, pad=0):
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
