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


def split_stream(ids, train_fraction=0.9):
    """Contiguous split of a token stream: the first ``train_fraction`` trains, the rest validates.

    A contiguous split (not random windows) keeps validation text unseen: random
    windows of one stream would overlap the training windows.
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction: expected a value in (0, 1), got {train_fraction}")
    cut = int(len(ids) * train_fraction)
    return ids[:cut], ids[cut:]


def stream_batches(ids, batch_size, seq_len):
    """Cut a stream into ``batch_size`` parallel contiguous lanes and yield (x, y) chunks.

    Lane b holds one contiguous stretch of the text, so chunk k+1 of a lane
    continues chunk k exactly: the hidden state can be carried across chunks
    (truncated BPTT). x, y: int64 (batch_size, seq_len), y = x shifted by one.
    """
    ids = np.asarray(ids)
    lane = (len(ids) - 1) // batch_size
    if lane < seq_len:
        raise ValueError(f"stream_batches: a stream of {len(ids)} tokens is too short for "
                         f"batch_size={batch_size} x seq_len={seq_len}")
    xs = ids[:batch_size * lane].reshape(batch_size, lane)
    ys = ids[1:batch_size * lane + 1].reshape(batch_size, lane)
    for start in range(0, lane - seq_len + 1, seq_len):
        yield xs[:, start:start + seq_len], ys[:, start:start + seq_len]
