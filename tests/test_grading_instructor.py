"""Instructor mode: hidden checks drawn from a seed, a class graded in parallel into the same
CSV as one at a time, near-copies found by the similarity report, and the nbgrader round
trip (when nbgrader is installed)."""

import csv
import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest
from test_grading import EXERCISES_DIR, SOURCES, mutant

from rnncourse.cli import main
from rnncourse.grading import EXERCISES, grade_file
from rnncourse.grading.export import export_nbgrader
from rnncourse.grading.similarity import FLAG_AT, compare


def _shapes(exercise):
    """The shape of every input array of every probe (one level into dicts)."""
    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return getattr(value, "shape", value)
    return {p.id: {k: shape(v) for k, v in p.inputs.items()} for p in exercise.probes}


@pytest.mark.parametrize("name", ["rnn_step", "bptt", "clipping", "attention", "linear_scan"])
def test_hidden_checks_draw_fresh_shapes_and_the_solution_still_passes(name):
    public, hidden = EXERCISES[name], EXERCISES[name].with_seed(7)
    assert _shapes(public) != _shapes(hidden)
    assert hidden.with_seed(7) is hidden and hidden.with_seed(None) is public
    report = grade_file(SOURCES[name], seed=7)
    assert report.points == 10 and not report.flags and report.seed == 7


def test_code_tuned_to_the_public_checks_fails_the_hidden_ones(tmp_path):
    norms = EXERCISES["clipping"].expected()["norms"]
    table = {k.split(".", 1)[1]: float(v) for k, v in norms.items()}
    path = mutant(tmp_path, "clipping", "    sums = {}\n",
                  f"    return {table!r}\n    sums = {{}}\n")
    public = {c.id: c for c in grade_file(path).checks}
    assert public["layer_norms"].passed  # the public probe cannot tell
    hidden = {c.id: c for c in grade_file(path, seed=3).checks}
    assert not hidden["layer_norms"].passed and "is wrong" in hidden["layer_norms"].message


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    """20 submissions of Exercise 3 (the quickest to grade): solutions, stubs, mistakes,
    two students sharing one renamed copy."""
    folder = tmp_path_factory.mktemp("class")
    source = SOURCES["clipping"].read_text(encoding="utf-8")
    stub = (EXERCISES_DIR / SOURCES["clipping"].name).read_text(encoding="utf-8")
    shared = source.replace("sums", "acc").replace("clipped", "result")
    slip = source.replace("{layer: float(np.sqrt(total))", "{layer: float(total)")
    for k in range(20):
        text = (source, stub, slip, shared if k in (3, 7) else stub)[k % 4]
        student = folder / f"student{k:02d}"
        student.mkdir()
        (student / "03_clipping.md").write_text(text, encoding="utf-8")
    return folder


def test_jobs_give_the_same_csv_as_one_at_a_time(small_class, tmp_path, capsys):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["grade", str(small_class), "--csv", str(one), "--jobs", "1"]) == 0
    assert main(["grade", str(small_class), "--csv", str(two), "--jobs", "2",
                 "--similarity", str(tmp_path / "similar.csv")]) == 0
    assert one.read_text() == two.read_text()
    rows = list(csv.DictReader(one.open()))
    assert len(rows) == 20 and {r["points"] for r in rows} == {"0", "5", "10"}
    report = capsys.readouterr().err
    assert "FLAG" in report and "student03" in report and "student07" in report


def test_similarity_flags_near_copies_not_independent_work(small_class):
    paths = sorted(small_class.rglob("*.md"))
    pairs = compare({"clipping": paths}, {"clipping": SOURCES["clipping"]})
    flagged = {(Path(p.first).parent.name, Path(p.second).parent.name if p.second !=
                "the solved source" else p.second) for p in pairs if p.similarity >= FLAG_AT}
    assert ("student03", "student07") in flagged  # renamed variables do not hide a copy
    assert ("student00", "the solved source") in flagged
    # a stub adds nothing of its own: it is never similar to anything
    assert not any("student01" in (p.first + p.second) for p in pairs)


@pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None or shutil.which("nbgrader")
                    is None, reason="nbgrader is not installed (pip install nbgrader to run the "
                                    "JupyterHub round trip); the export is tested without it")
def test_nbgrader_round_trip(tmp_path):
    """generate_assignment, then autograde: the solved source 10/10, the release 0/10."""
    course, stem = tmp_path / "course", "03_clipping"
    export_nbgrader(course / "source")

    def nbgrader(*args):
        run = subprocess.run(["nbgrader", *args, f"--CourseDirectory.root={course}"],
                             cwd=course, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]

    nbgrader("generate_assignment", stem, "--force")
    for student, folder in (("solved", "source"), ("release", "release")):
        shutil.copytree(course / folder / stem, course / "submitted" / student / stem)
    nbgrader("autograde", stem, "--force")
    nbgrader("export", "--to", str(tmp_path / "grades.csv"))
    scores = {row["student_id"]: float(row["score"])
              for row in csv.DictReader((tmp_path / "grades.csv").open())}
    assert scores == {"solved": 10.0, "release": 0.0}
