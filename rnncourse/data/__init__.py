"""Loaders for the datasets shipped in the repository's ``data/`` folder, their splits,
vocabularies, padding and stream batches, and synthetic tasks (NumPy only)."""

from .names import LANGUAGES, load_names, split_names
from .paths import DATA_DIR, data_path
from .sentiment import load_sentiment, lowercase_words, split_sentiment
from .splits import three_way_split
from .synthetic import adding_problem, copy_task
from .text import CharVocab, lanes, load_text, split_stream, stream_batches
from .timeseries import Series, load_airline, load_sunspots, sine_wave
from .tokens import BOS_ID, EOS_ID, PAD_ID, UNK_ID, TokenVocab, pad_batch
from .translation import load_pairs, split_pairs, words_and_punctuation
