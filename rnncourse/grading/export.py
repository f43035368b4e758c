"""Learner versions of the solved sources, and an nbgrader-ready export for JupyterHub.

The solved sources live in the repository's ``instructor/`` folder: not in the
installed package (the wheel holds only the checks) and not in the book.
``write_learner_versions`` writes their learner versions to ``exercises/``; a test
fails when the committed files drift.
"""

from __future__ import annotations

from pathlib import Path

from .notebook import BEGIN, learner_text

INSTRUCTOR_DIR = Path(__file__).resolve().parents[2] / "instructor"
GRADE_CALL = "from rnncourse.grading import grade"


def source_paths() -> list[Path]:
    """The solved source of every exercise, in course order (from a repository checkout)."""
    found = sorted(INSTRUCTOR_DIR.glob("[0-9][0-9]_*.md"))
    if not found:
        raise FileNotFoundError(f"no solved sources in {INSTRUCTOR_DIR}: they ship with a "
                                f"checkout of the repository, not with the installed package")
    return found


def write_learner_versions(folder) -> list[Path]:
    """Write (or overwrite) the learner version of every source into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source in source_paths():
        target = folder / source.name
        target.write_text(learner_text(source.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(target)
    return written


def _autograder_cell(stem: str) -> str:
    """An nbgrader test cell whose last value is the points: nbgrader's partial credit."""
    return "\n".join([
        "# Autograder: runs the rnncourse grader on this notebook (sandboxed) and reports",
        "# its points; nbgrader takes a number as the cell's output as partial credit.",
        "import json, subprocess, sys",
        f"run = subprocess.run([sys.executable, '-m', 'rnncourse', 'grade', '{stem}.ipynb',",
        "                      '--json'], capture_output=True, text=True, check=True)",
        "report = json.loads(run.stdout)",
        "for check in report['checks']:",
        "    print('PASS' if check['passed'] else 'FAIL', check['id'], check['message'])",
        "report['points']",
    ])


def export_nbgrader(folder) -> list[Path]:
    """Write each source as an nbgrader "source" notebook (``<folder>/<stem>/<stem>.ipynb``).

    Code cells holding a solution region become autograded-answer cells (nbgrader
    strips the region itself when it generates the student version); the
    notebook's own grading cell becomes a locked autograder test cell worth the
    exercise's points, scored by this package's grader.
    """
    import jupytext
    import nbformat

    from .checks import EXERCISES

    written = []
    for source in source_paths():
        stem = source.stem
        exercise = EXERCISES[stem.split("_", 1)[1]]
        nb = jupytext.read(source, fmt="md:myst")
        for k, cell in enumerate(nb.cells):
            meta = {"grade_id": f"{exercise.name}-{k}", "schema_version": 3, "locked": True,
                    "solution": False, "grade": False}
            if cell.cell_type == "code" and GRADE_CALL in cell.source:
                cell.source = _autograder_cell(stem)
                meta.update(grade=True, points=exercise.max_points)
            elif cell.cell_type == "code" and BEGIN in cell.source:
                meta.update(solution=True, locked=False)
            elif cell.cell_type == "code":
                continue  # demo and set-up cells: ordinary cells the learner may edit
            cell.metadata["nbgrader"] = meta
        target = Path(folder) / stem / f"{stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    return written
