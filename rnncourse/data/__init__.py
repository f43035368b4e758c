"""Loaders for the datasets shipped in the repository's ``data/`` folder, and batching."""

from .paths import DATA_DIR, data_path
from .text import CharVocab, load_text, split_stream, stream_batches
