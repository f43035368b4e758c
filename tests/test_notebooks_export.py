"""Chapters export to .ipynb with a set-up cell first; plain Markdown pages are left out."""

from pathlib import Path

import nbformat

from rnncourse.notebooks import export_notebooks

ROOT = Path(__file__).resolve().parents[1]


def test_export_adds_setup_cell_and_skips_plain_pages(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    written = export_notebooks(["chapters/intro.md", "chapters/bibliography.md"], tmp_path)
    assert written == [tmp_path / "chapters" / "intro.ipynb"]
    notebook = nbformat.read(written[0], as_version=4)
    assert "git\", \"clone\"" in notebook.cells[0].source
    assert any("lstm_forward" in cell.source for cell in notebook.cells[1:])
