"""Reading submissions (MyST ``.md`` or ``.ipynb``) and making learner versions of sources.

Solution regions are marked the nbgrader way, inside code cells::

    ### BEGIN SOLUTION
    h = np.tanh(...)
    ### END SOLUTION

and the learner version replaces each region with a stub at the same
indentation that raises ``NotImplementedError``, and says under its title that the
errors the page shows before the stubs are filled in are expected.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", 'raise NotImplementedError("replace this line with your code")')
_MAGIC = re.compile(r"^(\s*)([%!].*)$")
#: Shown under the title of every learner version (the book renders it as a note).
EXPECTED_ERRORS_NOTE = """
:::{admonition} The errors on this page are expected
:class: note expected-errors
This page shows the exercise as you receive it: the functions you write are stubs that
raise `NotImplementedError`, so the cells that try them print that error, and the grading
cell at the end lists its checks as FAIL. Fill in the stubs in Jupyter and run the
cells again: the errors give way to your results, and the FAILs to PASSes.
:::
"""


def read_code_cells(path) -> list[tuple[int, str]]:
    """The code cells of a notebook as ``(number, source)``, numbered from 1 in file order.

    IPython magics and shell escapes (lines starting with ``%`` or ``!``) become
    comments: the grader runs plain Python.
    """
    path = Path(path)
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not a valid .ipynb file ({exc})") from exc
        cells = nb.get("cells", [])
    elif path.suffix == ".md":
        import jupytext

        cells = jupytext.read(path, fmt="md:myst").cells
    else:
        raise ValueError(f"{path}: expected a .md (MyST notebook) or .ipynb file")
    out: list[tuple[int, str]] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        source = "\n".join(_MAGIC.sub(r"\1# \2", line) for line in source.splitlines())
        out.append((len(out) + 1, source))
    return out


def learner_text(source_text: str) -> str:
    """The learner version of a solved source: each solution region becomes a stub."""
    lines, inside, noted = source_text.splitlines(keepends=True), False, False
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not noted and line.startswith("# "):
            out.append(line + EXPECTED_ERRORS_NOTE)
            noted = True
        elif stripped == BEGIN:
            if inside:
                raise ValueError(f"line {number}: {BEGIN} inside another solution region")
            inside = True
            indent = line[:len(line) - len(line.lstrip())]
            out.extend(f"{indent}{stub}\n" for stub in STUB)
        elif stripped == END:
            if not inside:
                raise ValueError(f"line {number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN} without {END}")
    return "".join(out)
