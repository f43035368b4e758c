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
SOURCES = {p.stem.split("_", 1)[1]: p for p in source_paths()}  # instructor/, not the package
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


RNN_H = "    h = np.maximum(a, 0.0)\n"
RNN_RETURN = '    return delta @ params["weight_ih"], delta @ params["weight_hh"], grads\n'

# (exercise, old, new, expected points, fragment of the feedback)
BROKEN = [
    # the failures the sandbox must survive (Exercise 1 is the fastest to run)
    ("rnn_step", RNN_H, "    h = np.maximum(a, 0.0) + undefined_name\n", 0, "NameError"),
    ("rnn_step", RNN_H, "    h = np.maximum(a, 0.0) * np.nan\n", 0, "NaN"),
    ("rnn_step", RNN_H, "    h = np.maximum(a, 0.0).T\n", 0, "(transposed?)"),
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
    ("rnn_step", "    delta = dh * (h > 0)\n", "    delta = dh\n", 3,
     "missing the ReLU's derivative"),
    ("rnn_step", RNN_H, "    h = np.tanh(a)\n", 7, "IRNN"),
    ("bptt", "    g = dhs[:, t] + dh_next\n", "    g = dhs[:, t]\n", 4,
     "WITHOUT the recurrent term"),
    ("bptt", "grads[k] += step_grads[k]", "grads[k] = step_grads[k]", 7, "one time step only"),
    ("bptt", "        h = np.where(mask[:, t, None], h_new, h)\n", "        h = h_new\n", 8,
     "the mask is ignored"),
    ("bptt", "dh_next = np.where(m, dh_prev, g)", "dh_next = np.where(m, dh_prev, 0.0)", 4,
     "the gradient stops at padded steps"),
    ("clipping", "{layer: float(np.sqrt(total))", "{layer: float(total)", 5, "sum of squares"),
    ("clipping", "        norm = norms[key.split(\".\", 1)[0]]\n",
     "        norm = np.sqrt(sum(np.sum(x * x) for x in grads.values()))\n", 6,
     "you clipped by the GLOBAL norm"),
    ("clipping", "        clipped[key] = g * (min(1.0, max_norm / norm) if norm > 0 else 1.0)\n",
     "        g *= min(1.0, max_norm / norm) if norm > 0 else 1.0\n        clipped[key] = g\n",
     9, "in place"),
    ("clipping", "(min(1.0, max_norm / norm) if norm > 0 else 1.0)", "min(1.0, max_norm / norm)", 8,
     "ZeroDivisionError"),
    ("lstm_step", "    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)\n",
     "    a_i, a_f, a_o, a_g = np.split(a, 4, axis=1)\n", 0, "order (i, f, o, g)"),
    ("lstm_step", " + d_o * p_o\n", "\n", 4, "the output gate's peephole"),
    ("lstm_step", "dc_prev = dc_total * f + d_i * p_i + d_f * p_f", "dc_prev = dc_total * f", 9,
     "dc_prev misses the peepholes of i and f"),
    ("gru_step", "    h = (1.0 - f) * n + f * h_prev\n", "    h = f * n + (1.0 - f) * h_prev\n",
     7, "f and 1 - f are swapped"),
    ("gru_step", "    dh_prev = dh * f + delta_h", "    dh_prev = delta_h", 8, "direct path"),
    ("gru_step", "(dh * (h_prev - n) + d_n * u)", "(dh * (h_prev - n))", 3,
     "path through the candidate"),
    ("torch_lstm_cell", "        c = (1 - i) * c + i * torch.tanh(g)\n",
     "        c = i * c + i * torch.tanh(g)\n", 4, "f = 1 - i"),
    ("sampling", "    z = z / temperature\n", "    z = z * temperature\n", 7,
     "multiplied the logits by the temperature"),
    ("sampling", "np.cumsum(sorted_p, axis=1) - sorted_p < top_p",
     "np.cumsum(sorted_p, axis=1) <= top_p", 7, "misses the token that crosses top_p"),
    ("sampling", "        return np.eye(z.shape[1])[z.argmax(axis=1)]\n",
     "        raise ValueError('no')\n", 9, "raised ValueError"),
    ("sampling", "    e = np.exp(z - z.max(axis=1, keepdims=True))\n", "    e = np.exp(z)\n",
     9, "NaN"),
    ("attention", "        e = np.where(mask, e, -np.inf)\n", "        pass\n", 3,
     "the mask is ignored"),
    ("attention", "dkeys = weights[:, :, None] * dcontext[:, None, :] + de[:, :, None]",
     "dkeys = 0 * weights[:, :, None] + de[:, :, None]", 8,
     "only has the path through the scores"),
    # the capstone: a trivial model (always the most frequent language) fails the thresholds
    ("name_classifier", "    torch.manual_seed(0)\n",
     "    return lambda batch: np.full(len(batch), LANGUAGES.index('Russian'))\n", 2,
     "needs 0.75"),
    ("linear_scan", "alpha, beta = a_next[:, ::-1].copy()", "alpha, beta = a[:, ::-1].copy()",
     2, "a_t where a_{t+1} belongs"),
    ("linear_scan", "    g = beta[:, ::-1]\n",  # right values, one step at a time
     "    g, carry = np.empty_like(dhs), np.zeros_like(h0)\n"
     "    for t in reversed(range(a.shape[1])):\n"
     "        g[:, t] = dhs[:, t] + carry\n"
     "        carry = a[:, t] * g[:, t]\n", 8, "a loop over the time steps"),
]


@pytest.mark.parametrize("name, old, new, points, feedback", BROKEN,
                         ids=[f"{b[0]}-{b[4][:28]}" for b in BROKEN])
def test_broken_submission_scores_what_it_should(tmp_path, name, old, new, points, feedback):
    path = mutant(tmp_path, name, old, new)
    before = digest(path)
    # the short limit only where a case hangs on purpose: elsewhere a slow "Try it" cell
    # (torch's first calls) would be stopped, and the notebook run again without it
    report = grade_file(path, limits=FAST if name == "rnn_step" else None)
    assert report.points == points, [(c.id, c.message) for c in report.checks if not c.passed]
    messages = " | ".join(c.message for c in report.checks)
    assert feedback in messages
    assert digest(path) == before


def test_reference_import_scores_zero_and_names_it(tmp_path):
    body = ('    a = (x @ params["weight_ih"].T + params["bias_ih"]\n'
            '         + h_prev @ params["weight_hh"].T + params["bias_hh"])\n'
            "    h = np.maximum(a, 0.0)\n    return h, (x, h_prev, h, params)\n")
    path = mutant(tmp_path, "rnn_step", body,
                  "    from rnncourse.reference import rnn_step_forward as reference_step\n"
                  "    return reference_step(x, h_prev, params)\n")
    report = grade_file(path, limits=FAST)
    assert report.points == 0  # forward and backward share the probe the reference ran in
    assert all("rnn_step_forward (rnncourse/reference/rnn.py) ran" in c.message
               for c in report.checks)
    assert "rnncourse.reference.rnn is the package's reference solution" in report.flags[0]


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
