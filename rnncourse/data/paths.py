"""Where the shipped datasets live: ``data/`` at the repository root (see data/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def data_path(*parts):
    """Path of a shipped data file, e.g. ``data_path("tinyshakespeare", "input.txt")``.

    Raises FileNotFoundError naming the expected location when the file is missing
    (the package must be installed in editable mode from a repository checkout).
    """
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"expected the shipped data file at {path}; install rnncourse "
                                f"with `pip install -e .` from a checkout of the repository")
    return path
