"""The ``rnncourse`` command line: one subcommand per task.

Each subcommand is added by its own ``add_<name>_command(subparsers)``
function, which defines the arguments and sets ``func`` to the function that
runs it; ``main`` only dispatches.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _grade(args) -> int:
    from .grading import Limits, grade_file, submissions_in
    from .grading.report import format_json, format_text, write_csv

    limits = Limits(timeout=args.timeout, memory_mib=args.memory_limit)
    files = []
    for path in map(Path, args.paths):
        if path.is_dir():
            found = submissions_in(path)
            if not found:
                print(f"{path}: no submissions found (files named after an exercise, "
                      f".md or .ipynb)", file=sys.stderr)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            print(f"{path}: no such file or folder", file=sys.stderr)
            return 2
    reports = []
    for path in files:
        report = grade_file(path, args.exercise, limits)
        reports.append(report)
        if not args.json:
            print(format_text(report), flush=True)
            if len(files) > 1:
                print()
    if args.json:
        print(format_json(reports))
    if args.csv:
        write_csv(reports, args.csv)
        print(f"wrote {len(reports)} rows to {args.csv}", file=sys.stderr)
    return 0


def add_grade_command(subparsers) -> None:
    from .grading import EXERCISES, Limits

    names = ", ".join(EXERCISES)
    parser = subparsers.add_parser(
        "grade", help="grade exercise notebooks (offline, sandboxed)",
        description="Run the checks of a graded exercise on a notebook (.md or .ipynb) and\n"
                    "print PASS/FAIL per check with feedback, points and a total.\n\n"
                    "The learner's code runs in a separate process with a time and memory\n"
                    "limit; the file itself is never modified. Give a folder to grade every\n"
                    "submission in it (instructors' batch mode; add --csv for a gradebook).",
        epilog="examples:\n"
               "  python -m rnncourse grade exercises/01_rnn_step.md\n"
               "  python -m rnncourse grade alice.ipynb --exercise lstm_step --json\n"
               "  python -m rnncourse grade submissions/ --csv grades.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="notebooks to grade, or folders of them")
    parser.add_argument("--exercise", metavar="NAME", choices=sorted(EXERCISES),
                        help=f"which exercise the files are (default: from each file name; "
                             f"one of {names})")
    parser.add_argument("--json", action="store_true",
                        help="print the reports as JSON instead of text")
    parser.add_argument("--csv", metavar="FILE",
                        help="also write one row per submission to FILE (for a gradebook)")
    parser.add_argument("--timeout", type=float, default=Limits.timeout, metavar="SECONDS",
                        help="time allowed for each notebook cell and each check's code "
                             "(default: %(default)s)")
    parser.add_argument("--memory-limit", type=int, default=Limits.memory_mib, metavar="MIB",
                        help="address-space limit of the learner's process "
                             "(default: %(default)s)")
    parser.set_defaults(func=_grade)


def _export(args) -> int:
    from .grading.export import export_nbgrader, write_learner_versions

    written = write_learner_versions(args.learner) if args.learner else []
    if args.nbgrader:
        written += export_nbgrader(args.nbgrader)
    for path in written:
        print(f"wrote {path}")
    return 0


def add_export_command(subparsers) -> None:
    parser = subparsers.add_parser(
        "export-exercises", help="write the learner notebooks, or an nbgrader course",
        description="Generate exercise notebooks from the solved sources in\n"
                    "rnncourse/grading/sources: the learner versions (solutions replaced by\n"
                    "stubs that raise NotImplementedError) and/or nbgrader source notebooks\n"
                    "for instructors using JupyterHub.",
        epilog="examples:\n"
               "  python -m rnncourse export-exercises --learner exercises\n"
               "  python -m rnncourse export-exercises --nbgrader course/source",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learner", metavar="DIR",
                        help="write the learner versions into DIR (the book uses exercises/)")
    parser.add_argument("--nbgrader", metavar="DIR",
                        help="write one nbgrader source notebook per exercise under DIR")
    parser.set_defaults(func=_export)


COMMANDS = (add_grade_command, add_export_command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnncourse",
        description="Tools of the rnncourse book on recurrent neural networks.")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` (default: the command line), run the subcommand, return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is _export and not (args.learner or args.nbgrader):
        parser.error("export-exercises: give --learner DIR and/or --nbgrader DIR")
    return args.func(args)
