"""Character-level text: vocabulary, a fixed train/validation split, and stream batches
for truncated backpropagation through time."""

from __future__ import annotations

import numpy as np

from .paths import data_path


def load_text(name="tinyshakespeare"):
    """The text of a shipped corpus (``data/<name>/input.txt``) as a str."""
    return data_path(name, "input.txt").read_text(encoding="utf-8")


class CharVocab:
    """A character vocabulary: the sorted distinct characters of a text, indexed 0..V-1."""

    def __init__(self, text):
        if not text:
            raise ValueError("CharVocab: expected a non-empty text, got ''")
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        """str -> int64 array of indices; unknown characters raise ValueError naming them."""
        unknown = sorted(set(text) - self.index.keys())
        if unknown:
            raise ValueError(f"encode: characters not in the vocabulary: {unknown[:10]}")
        return np.fromiter((self.index[ch] for ch in text), dtype=np.int64, count=len(text))

    def decode(self, ids):
        """Sequence of indices -> str."""
        return "".join(self.chars[int(i)] for i in ids)


def split_stream(ids, fractions=(0.9, 0.1)):
    """Contiguous split of a token stream into ``len(fractions)`` consecutive parts, in order:
    (train, validation) or (train, validation, test).

    A contiguous split (not random windows) keeps held-out text unseen: random
    windows of one stream would overlap the training windows.
    """
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) not in (2, 3) or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions: expected 2 or 3 positive fractions summing to 1, "
                         f"got {fractions}")
    cuts = (np.cumsum(fractions[:-1]) * len(ids)).astype(int)
    return tuple(np.split(np.asarray(ids), cuts))


def lanes(ids, n_lanes):
    """The stream cut into ``n_lanes`` contiguous lanes of equal length: (x, y), both
    (n_lanes, lane), y = x shifted by one; the last ``(len(ids) - 1) % n_lanes`` tokens
    (fewer than ``n_lanes``) are not in any lane."""
    ids = np.asarray(ids)
    lane = (len(ids) - 1) // n_lanes
    if lane < 1:
        raise ValueError(f"lanes: a stream of {len(ids)} tokens is too short for "
                         f"{n_lanes} lanes")
    return (ids[:n_lanes * lane].reshape(n_lanes, lane),
            ids[1:n_lanes * lane + 1].reshape(n_lanes, lane))


def stream_batches(ids, batch_size, seq_len):
    """Cut a stream into ``batch_size`` parallel contiguous lanes and yield (x, y) chunks.

    Lane b holds one contiguous stretch of the text, so chunk k+1 of a lane
    continues chunk k exactly: the hidden state can be carried across chunks
    (truncated BPTT). x, y: int64 (batch_size, seq_len), y = x shifted by one.
    """
    lane = (len(ids) - 1) // batch_size
    if lane < seq_len:
        raise ValueError(f"stream_batches: a stream of {len(ids)} tokens is too short for "
                         f"batch_size={batch_size} x seq_len={seq_len}")
    xs, ys = lanes(ids, batch_size)
    for start in range(0, lane - seq_len + 1, seq_len):
        yield xs[:, start:start + seq_len], ys[:, start:start + seq_len]
