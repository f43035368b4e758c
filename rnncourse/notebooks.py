"""Export the MyST chapters and exercises to .ipynb for Colab and other hosted Jupyter services.

Each exported notebook starts with a set-up cell that, when ``rnncourse`` is not
importable (a fresh Colab or Binder session), clones the repository (package and
data) and installs it. Locally the cell does nothing.
"""

from __future__ import annotations

from pathlib import Path

REPO_URL = "https://github.com/rnncourse/rnncourse"

SETUP_CELL = '''# Set-up for hosted notebooks (Colab, Binder): installs the package and its data.
# Does nothing when rnncourse is already installed, e.g. after `make book` locally.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("rnncourse") is None:
    subprocess.run(["git", "clone", "--depth", "1", "{repo}", "rnncourse-repo"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "rnncourse-repo"],
                   check=True)
    sys.path.insert(0, "rnncourse-repo")
'''


def export_notebooks(sources, out_dir, repo_url=REPO_URL):
    """Convert MyST notebooks to .ipynb under ``out_dir``, keeping their relative paths.

    sources: paths relative to the current directory (e.g. ``chapters/03_bptt.md``).
    Returns the written paths.
    """
    import jupytext
    import nbformat

    written = []
    for source in map(Path, sources):
        notebook = jupytext.read(source)
        if not notebook.metadata.get("kernelspec"):
            continue                          # a plain Markdown page, not a notebook
        notebook.cells.insert(0, nbformat.v4.new_code_cell(SETUP_CELL.format(repo=repo_url)))
        target = Path(out_dir) / source.with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)
        written.append(target)
    return written
