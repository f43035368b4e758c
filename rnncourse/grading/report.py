"""Reports for people (text), machines (JSON) and instructors (CSV)."""

from __future__ import annotations

import csv
import json
import textwrap

from .grade import Report

WIDTH = 100


def _pts(x: float) -> str:
    return f"{x:g}"


def format_text(report: Report) -> str:
    """PASS/FAIL per check with feedback, points, flags and the total."""
    title = f" ({report.title})" if report.title else ""
    hidden = f" [hidden checks, seed {report.seed}]" if report.seed is not None else ""
    lines = [f"Grading {report.path}{title}{hidden}"]
    if report.error:
        lines.append(f"  ERROR  {report.error}")
    if report.checks:
        width = max(len(c.id) for c in report.checks)
        previous = None
        for c in report.checks:
            mark = "PASS" if c.passed else "FAIL"
            lines.append(f"  {mark}  {c.id:<{width}}  {_pts(c.points):>3}/{_pts(c.max_points):<3}"
                         f"  {c.description}")
            if c.message and c.message == previous:
                lines.append(" " * 8 + "-> (same as above)")
            elif c.message:
                lines.extend(textwrap.wrap(c.message, WIDTH, initial_indent=" " * 8 + "-> ",
                                           subsequent_indent=" " * 11))
            previous = c.message
    notes = {k: v for k, v in report.cell_errors.items() if "NotImplementedError" not in v}
    if notes:
        lines.append("  Notes: cells of the notebook that failed while it ran:")
        lines.extend(f"    cell {k}: {v}" for k, v in sorted(notes.items())[:5])
    if report.flags:
        lines.append("  FLAGGED (checks scored 0 for what ran):")
        lines.extend(f"    {f}" for f in report.flags)
    lines.append(f"Total: {_pts(report.points)}/{_pts(report.max_points)}")
    return "\n".join(lines)


def format_json(reports: list[Report]) -> str:
    data = [r.to_dict() for r in reports]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2)


CSV_FIELDS = ("submission", "exercise", "points", "max_points", "flagged", "failed_checks",
              "error", "flags", "seed")


def write_csv(reports: list[Report], path) -> None:
    """One row per submission, for a gradebook."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for r in reports:
            writer.writerow({
                "submission": r.path, "exercise": r.exercise or "", "points": _pts(r.points),
                "max_points": _pts(r.max_points), "flagged": "yes" if r.flags else "no",
                "failed_checks": ";".join(c.id for c in r.checks if not c.passed),
                "error": r.error or "", "flags": " | ".join(r.flags),
                "seed": "" if r.seed is None else r.seed})
