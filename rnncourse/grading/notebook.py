"""Reading submissions (MyST ``.md`` or ``.ipynb``) and making learner versions of sources.

Solution regions are marked the nbgrader way, inside code cells::

    ### BEGIN SOLUTION
    h = np.tanh(...)
    ### END SOLUTION

and the learner version replaces each region with a stub at the same
indentation that raises ``NotImplementedError``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = ("# YOUR CODE HERE", 'raise NotImplementedError("replace this line with your code")')
_MAGIC = re.compile(r"^(\s*)([%!].*)$")


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
    lines, inside = source_text.splitlines(keepends=True), False
    out: list[str] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
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
