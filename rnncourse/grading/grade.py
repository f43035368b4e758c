"""Grade one submission or a folder of them: sandbox, checks, flags, a report."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from . import sandbox
from .checks import EXERCISES
from .compare import judge
from .flags import notebook_violations, probe_violations, zeroed_message
from .notebook import read_code_cells
from .spec import Exercise, Verdict

GRADING_ENV = "RNNCOURSE_GRADING"


@dataclass
class CheckResult:
    id: str
    description: str
    points: float
    max_points: float
    passed: bool
    message: str = ""


@dataclass
class Report:
    """The outcome of grading one file; ``error`` is set when it could not be graded at all."""

    path: str
    exercise: str | None
    title: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    cell_errors: dict[int, str] = field(default_factory=dict)
    error: str | None = None
    max_points: float = 0.0
    seed: int | None = None

    @property
    def points(self) -> float:
        return float(sum(c.points for c in self.checks))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["points"] = self.points
        out["flagged"] = bool(self.flags)
        out["cell_errors"] = {str(k): v for k, v in self.cell_errors.items()}
        return out


def detect_exercise(path) -> Exercise:
    """The exercise a file belongs to, from its name (``alice_04_lstm_step.ipynb`` works)."""
    stem = Path(path).stem.lower().replace("-", "_")
    for exercise in sorted(EXERCISES.values(), key=lambda e: -len(e.name)):
        if exercise.name in stem:
            return exercise
    names = ", ".join(e.stem for e in EXERCISES.values())
    raise ValueError(f"{path}: cannot tell which exercise this is from its name; expected it to "
                     f"contain one of: {names} (or pass --exercise)")


def grade_file(path, exercise: str | None = None, limits: sandbox.Limits | None = None,
               seed: int | None = None) -> Report:
    """Grade one learner file (``.md`` or ``.ipynb``); never modifies it, never raises for
    anything the learner's code does. With a ``seed``, the probes are drawn from it (fresh
    sizes and values: the instructor's hidden checks) instead of the public ones."""
    path = Path(path)
    try:
        ex = EXERCISES[exercise] if exercise else detect_exercise(path)
        ex = ex.with_seed(seed)
    except KeyError:
        return Report(str(path), exercise, error=f"unknown exercise {exercise!r}; expected one "
                                                 f"of {', '.join(EXERCISES)}")
    except ValueError as exc:
        return Report(str(path), None, error=str(exc))
    report = Report(str(path), ex.name, title=ex.title, max_points=ex.max_points, seed=seed)
    try:
        cells = read_code_cells(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        report.error = f"could not read the notebook: {exc}"
    else:
        if not cells:
            report.error = "the notebook has no code cells"
    if report.error:
        report.checks = [CheckResult(c.id, c.description, 0.0, c.points, False, report.error)
                         for c in ex.checks]
        return report

    preload = ["rnncourse.reference"] + (["torch"] if ex.needs_torch else [])
    limits = limits or sandbox.Limits()
    if ex.timeout and ex.timeout > limits.timeout:
        limits = replace(limits, timeout=ex.timeout)
    run = sandbox.run(cells, list(ex.probes), ex.rules, preload=preload, limits=limits,
                      data_view=ex.data_view, count_lines=ex.count_lines)
    expected, variants = ex.expected(), ex.variants()
    failed_probes = set()
    whole = notebook_violations(run.findings)
    flags = list(whole)
    for check in ex.checks:
        violations = whole or probe_violations(run.probes[check.probe].ran, ex.rules)
        flags += [v for v in violations if v not in flags]
        if violations:
            verdict = Verdict(False, zeroed_message(violations))
        else:
            verdict = judge(check, run.probes[check.probe], expected[check.probe], variants)
        if not verdict.passed:
            if check.probe in failed_probes and " is wrong: " in verdict.message:
                verdict.message += (" (an earlier check on the same calls failed too: fix that "
                                    "first, these values depend on it)")
            failed_probes.add(check.probe)
        report.checks.append(CheckResult(check.id, check.description,
                                         check.points if verdict.passed else 0.0, check.points,
                                         verdict.passed, verdict.message))
    report.cell_errors = run.cell_errors
    report.flags = flags
    return report


def submissions_in(folder) -> list[Path]:
    """Every ``.md``/``.ipynb`` under ``folder`` whose name names an exercise, sorted."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        if path.suffix not in (".md", ".ipynb") or ".ipynb_checkpoints" in path.parts:
            continue
        try:
            detect_exercise(path)
        except ValueError:
            continue
        found.append(path)
    return found


def grade(path, exercise: str | None = None) -> Report | None:
    """Grade ``path`` and print the report: the one-line call for a notebook cell.

    Inside the grader's own sandbox (where the notebook's cells also run) it
    does nothing, so a notebook that grades itself does not recurse.
    """
    from .report import format_text

    if os.environ.get(GRADING_ENV) == "1":
        print("(grading is skipped inside the grader)")
        return None
    report = grade_file(path, exercise)
    print(format_text(report))
    return report
