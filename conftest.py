"""Run the MyST-Markdown chapters and exercises under nbval, alongside the unit tests.

nbval only collects ``.ipynb``; this hook collects every ``.md`` under
``chapters/`` and ``exercises/`` whose header declares a jupytext MyST
notebook, and while nbval collects it, hands nbval the notebook that jupytext
read from the ``.md``. Each notebook runs in its own folder, as in the book.
"""

from pathlib import Path
from unittest import mock

import jupytext
import pytest
from nbval.plugin import IPyNbFile

NOTEBOOK_DIRS = ("chapters", "exercises")


def is_myst_notebook(path: Path) -> bool:
    head = path.read_text(encoding="utf-8")[:600]
    return head.startswith("---") and "format_name: myst" in head and "kernelspec:" in head


class MystNotebook(IPyNbFile):
    """An nbval notebook read from MyST Markdown through jupytext."""

    def collect(self):
        notebook = jupytext.read(self.path)
        with mock.patch("nbval.plugin.nbformat.read", return_value=notebook):
            yield from super().collect()


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if (file_path.suffix == ".md" and file_path.parent.name in NOTEBOOK_DIRS
            and is_myst_notebook(file_path)):
        return MystNotebook.from_parent(parent, path=file_path)
    return None
