"""The grader: sources score full marks, stubs score zero, broken submissions score exactly
what they should with the right diagnosis, and no learner file is ever modified."""

import csv
import hashlib
import json
from pathlib import Path

import jupytext
import pytest

from rnncourse.cli import main
from rnncourse.grading import EXERCISES, Limits, grade_file
from rnncourse.grading.export import export_nbgrader, source_paths
from rnncourse.grading.notebook import learner_text

ROOT = Path(__file__).resolve().parents[1]
EXERCISES_DIR = ROOT / "exercises"
SOURCES = {p.stem.split("_", 1)[1]: p for p in source_paths()}
FAST = Limits(timeout=2.0)  # small, so the endless-loop cases stay quick


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_every_exercise_has_a_source_and_a_learner_notebook():
    assert sorted(SOURCES) == sorted(EXERCISES)
    assert len(EXERCISES) >= 8
    for name, source in SOURCES.items():
        assert source.name == f"{EXERCISES[name].stem}.md"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_learner_notebook_is_in_sync_with_its_source(name):
    source = SOURCES[name]
    learner = EXERCISES_DIR / source.name
    assert learner.exists(), "run: python -m rnncourse export-exercises --learner exercises"
    assert learner.read_text(encoding="utf-8") == learner_text(source.read_text("utf-8")), (
        f"{learner} is stale: python -m rnncourse export-exercises --learner exercises")
    assert "### BEGIN SOLUTION" not in learner.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_source_scores_full_marks_and_stub_scores_zero(name):
    source, learner = SOURCES[name], EXERCISES_DIR / SOURCES[name].name
    before = digest(source), digest(learner)
    solved = grade_file(source)
    assert solved.error is None
    assert solved.points == solved.max_points == 10, [c for c in solved.checks if not c.passed]
    assert solved.flags == [] and solved.cell_errors == {}
    stub = grade_file(learner)
    assert stub.error is None and stub.points == 0
    assert all("NotImplementedError" in c.message for c in stub.checks)
    assert (digest(source), digest(learner)) == before  # the grader never writes to them


def mutant(tmp_path, name, old, new, filename=None):
    """A copy of exercise ``name``'s solved source with ``old`` replaced by ``new``."""
    text = SOURCES[name].read_text(encoding="utf-8")
    assert old in text, f"mutation target not found in {name}: {old!r}"
    path = tmp_path / (filename or SOURCES[name].name)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


RNN_H = "    h = np.tanh(a)\n"
RNN_RETURN = '    return delta @ params["weight_ih"], delta @ params["weight_hh"], grads\n'

# (exercise, old, new, expected points, fragment of the feedback)
BROKEN = [
    # the failures the sandbox must survive (Exercise 1 is the fastest to run)
    ("rnn_step", RNN_H, "    h = np.tanh(a) + undefined_name\n", 0, "NameError"),
    ("rnn_step", RNN_H, "    h = np.tanh(a) * np.nan\n", 0, "NaN"),
    ("rnn_step", RNN_H, "    h = np.tanh(a).T\n", 0, "(transposed?)"),
    ("rnn_step", RNN_RETURN, '    return (delta @ params["weight_ih"]).astype(np.float32), '
                             'delta @ params["weight_hh"], grads\n', 9, "float32"),
    ("rnn_step", RNN_RETURN, "    while True:\n        pass\n", 3, "did not finish within"),
    ("rnn_step", RNN_RETURN, "    import sys\n    sys.exit(1)\n", 3, "sys.exit"),
    ("rnn_step", RNN_RETURN, "    import os\n    os._exit(3)\n", 3, "abruptly"),
    ("rnn_step", RNN_RETURN, "    np.ones(10**9)\n", 3, "MemoryError"),
    ("rnn_step", "    return h, (x, h_prev, h, params)\n", "    return h\n", 0,
     "expected a tuple of 2 values (h, cache)"),
    ("rnn_step", "    return h, (x, h_prev, h, params)\n", "    h\n", 0, "returned None"),
    ("rnn_step", '"bias_ih": delta.sum(axis=0), "bias_hh": delta.sum(axis=0)}',
     '"bias_ih": delta.sum(axis=0)}', 8, "no key 'bias_hh'"),
    # monkey-patching numpy inside the notebook cannot fool comparisons made in the grader
    ("rnn_step", RNN_H, "    np.allclose = np.isclose = lambda *args, **kwargs: True\n"
                        "    h = np.zeros_like(a)\n", 0, "is wrong"),
    # classic mistakes, each diagnosed by name
    ("rnn_step", '         + h_prev @ params["weight_hh"].T + params["bias_hh"])',
     '         + h_prev @ params["weight_hh"].T)', 0, "ignores bias_hh"),
    ("rnn_step", "    delta = dh * (1.0 - h * h)\n", "    delta = dh\n", 3,
     "missing the tanh derivative"),
    ("bptt", "rnn_step_backward(dhs[:, t] + dh_next, caches[t])",
     "rnn_step_backward(dhs[:, t], caches[t])", 3, "WITHOUT the recurrent term"),
    ("bptt", "grads[k] += step_grads[k]", "grads[k] = step_grads[k]", 7, "one time step only"),
    ("clipping", "    scale = min(1.0, max_norm / global_norm(grads))\n",
     "    scale = 1.0 / max(global_norm(grads), max_norm)\n", 5, "g / max(||g||, c)"),
    ("clipping", "    return {k: g * scale for k, g in grads.items()}\n",
     "    for g in grads.values():\n        g *= scale\n    return grads\n", 9, "in place"),
    ("clipping", "        dh = (dh * (1.0 - hs[:, t] ** 2)) @ weight_hh\n",
     "        dh = dh @ weight_hh\n", 8, "ignore the tanh derivative"),
    ("lstm_step", "    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)\n",
     "    a_i, a_f, a_o, a_g = np.split(a, 4, axis=1)\n", 0, "order (i, f, o, g)"),
    ("lstm_step", "    dc_total = dc + dh * o * (1.0 - tanh_c ** 2)\n", "    dc_total = dc\n",
     4, "path through h"),
    ("gru_step", "    h = (1.0 - z) * n + z * h_prev\n", "    h = z * n + (1.0 - z) * h_prev\n",
     7, "z and 1 - z are swapped"),
    ("gru_step", "    dh_prev = dh * z + d_hid", "    dh_prev = d_hid", 8, "direct path"),
    ("torch_lstm_cell", "        i, f, g, o = gates.chunk(4, dim=1)\n",
     "        i, f, o, g = gates.chunk(4, dim=1)\n", 3, "order (i, f, o, g)"),
    ("sampling", "dtype=np.float64) / temperature", "dtype=np.float64) * temperature", 6,
     "multiplied the logits by the temperature"),
    ("sampling", "    e = np.exp(z - z.max(axis=1, keepdims=True))\n", "    e = np.exp(z)\n",
     9, "NaN"),
    ("attention", "        e = np.where(mask, e, -np.inf)\n", "        pass\n", 3,
     "the mask is ignored"),
    ("attention", 'dkeys = weights[:, :, None] * dcontext[:, None, :] + du @ params["W_k"]',
     'dkeys = du @ params["W_k"]', 9, "only has the path through the scores"),
]


@pytest.mark.parametrize("name, old, new, points, feedback", BROKEN,
                         ids=[f"{b[0]}-{b[4][:28]}" for b in BROKEN])
def test_broken_submission_scores_what_it_should(tmp_path, name, old, new, points, feedback):
    path = mutant(tmp_path, name, old, new)
    before = digest(path)
    report = grade_file(path, limits=FAST)
    assert report.points == points, [(c.id, c.message) for c in report.checks if not c.passed]
    messages = " | ".join(c.message for c in report.checks)
    assert feedback in messages
    assert digest(path) == before


def test_reference_import_is_flagged_but_not_a_crash(tmp_path):
    body = ('    a = (x @ params["weight_ih"].T + params["bias_ih"]\n'
            '         + h_prev @ params["weight_hh"].T + params["bias_hh"])\n'
            "    h = np.tanh(a)\n    return h, (x, h_prev, h, params)\n")
    path = mutant(tmp_path, "rnn_step", body,
                  "    from rnncourse.reference import rnn_step_forward as reference_step\n"
                  "    return reference_step(x, h_prev, params)\n")
    report = grade_file(path, limits=FAST)
    assert report.points == 10  # the reference's cache happens to fit the learner's backward
    flags = " | ".join(report.flags)
    assert "imports rnncourse.reference.rnn_step_forward" in flags
    assert "called rnncourse.reference" in flags


def test_hanging_top_level_cell_costs_nothing_but_a_note(tmp_path):
    path = mutant(tmp_path, "rnn_step", "## Grade it", "```{code-cell} ipython3\n"
                  "while True:\n    pass\n```\n\n## Grade it")
    report = grade_file(path, limits=FAST)
    assert report.points == 10
    assert any("did not finish" in msg for msg in report.cell_errors.values())


def test_ipynb_submissions_and_cli_json(tmp_path, capsys):
    nb = jupytext.read(SOURCES["rnn_step"])
    path = tmp_path / "alice_01_rnn_step.ipynb"
    jupytext.write(nb, path)
    assert main(["grade", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exercise"] == "rnn_step" and report["points"] == 10
    assert {c["id"] for c in report["checks"]} == {c.id for c in EXERCISES["rnn_step"].checks}


def test_batch_mode_writes_a_csv(tmp_path, capsys):
    subs = tmp_path / "submissions"
    (subs / "alice").mkdir(parents=True)
    (subs / "bob").mkdir()
    (subs / "alice" / "01_rnn_step.md").write_text(SOURCES["rnn_step"].read_text("utf-8"))
    (subs / "bob" / "01_rnn_step.md").write_text(
        (EXERCISES_DIR / "01_rnn_step.md").read_text("utf-8"))
    (subs / "notes.txt").write_text("not a submission")
    out = tmp_path / "grades.csv"
    assert main(["grade", str(subs), "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Total: 10/10" in text and "Total: 0/10" in text
    rows = list(csv.DictReader(out.open()))
    assert [(Path(r["submission"]).parent.name, r["points"]) for r in rows] == [
        ("alice", "10"), ("bob", "0")]
    assert rows[1]["failed_checks"].startswith("forward_h;")


def test_unreadable_or_unknown_files_are_reported_not_raised(tmp_path):
    broken = tmp_path / "01_rnn_step.ipynb"
    broken.write_text("{ not json")
    report = grade_file(broken)
    assert report.points == 0 and "not a valid .ipynb" in report.error
    unknown = tmp_path / "homework.md"
    unknown.write_text("# nothing")
    assert "cannot tell which exercise" in grade_file(unknown).error


def test_cli_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "grade" in capsys.readouterr().out


def test_nbgrader_export_marks_solution_and_autograder_cells(tmp_path):
    written = export_nbgrader(tmp_path)
    assert len(written) == len(EXERCISES)
    nb = json.loads(written[0].read_text())
    kinds = [c["metadata"].get("nbgrader", {}) for c in nb["cells"]]
    assert any(k.get("solution") for k in kinds)
    graded = [k for k in kinds if k.get("grade")]
    assert len(graded) == 1 and graded[0]["points"] == 10
