"""Loaders for the datasets shipped in the repository's ``data/`` folder, and batching."""

from .names import LANGUAGES, load_names, split_names
from .paths import DATA_DIR, data_path
from .sentiment import load_sentiment, split_sentiment
from .synthetic import adding_problem, copy_task
from .text import CharVocab, load_text, split_stream, stream_batches
from .timeseries import Series, load_airline, load_sunspots, sine_wave
from .tokens import TokenVocab, pad_batch
from .translation import load_pairs, split_pairs
