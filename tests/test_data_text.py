"""Character vocabulary, the fixed split and truncated-BPTT stream batches."""

import numpy as np
import pytest

from rnncourse.data import CharVocab, data_path, lanes, load_text, split_stream, stream_batches


def test_tinyshakespeare_vocabulary_and_round_trip():
    text = load_text()
    vocab = CharVocab(text)
    assert len(text) == 1_115_394 and len(vocab) == 65
    ids = vocab.encode(text[:500])
    assert ids.dtype == np.int64 and vocab.decode(ids) == text[:500]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("€")


def test_split_is_contiguous_90_10_and_three_way():
    ids = np.arange(1000)
    train, val = split_stream(ids)
    assert len(train) == 900 and train[-1] + 1 == val[0]
    train, val, test = split_stream(ids, (0.9, 0.05, 0.05))
    assert (len(train), len(val), len(test)) == (900, 50, 50) and val[-1] + 1 == test[0]
    for bad in ((1.0,), (0.9, 0.2), (1.0, 0.0)):
        with pytest.raises(ValueError, match="fractions"):
            split_stream(ids, bad)


def test_lanes_cover_all_but_fewer_than_n_lanes_tokens():
    x, y = lanes(np.arange(103), 4)
    assert x.shape == y.shape == (4, 25)
    np.testing.assert_array_equal(y, x + 1)
    assert x[-1, -1] == 99


def test_stream_batches_continue_across_chunks():
    ids = np.arange(1001)
    chunks = list(stream_batches(ids, batch_size=4, seq_len=50))
    assert len(chunks) == 5 and chunks[0][0].shape == (4, 50)
    (x0, y0), (x1, _) = chunks[0], chunks[1]
    np.testing.assert_array_equal(y0, x0 + 1)              # targets are the next token
    np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)  # each lane continues its stream
    with pytest.raises(ValueError, match="too short"):
        list(stream_batches(np.arange(10), 4, 5))


def test_missing_data_file_names_the_path():
    with pytest.raises(FileNotFoundError, match="no_such_corpus"):
        data_path("no_such_corpus", "input.txt")
