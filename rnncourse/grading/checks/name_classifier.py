"""Exercise 10 (capstone): a surname-to-language classifier, trained end to end in the sandbox.

The grader hands the learner's ``train_classifier`` the training split of the shipped
surnames (chapter 10's split), then asks the returned ``predict`` for the languages of
the held-out test names. The learner's notebook sees only the training and validation
names: in the sandbox ``data/`` is replaced by that view and the real folder is off
limits, so the test split can be neither read nor memorised. Scored on accuracy and
balanced accuracy against stated thresholds, and on the CPU time of training.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from rnncourse.data.names import LANGUAGES, load_names, split_names
from rnncourse.metrics import balanced_accuracy

from ..compare import get_output
from ..spec import Check, Exercise, Probe, Rule, Step, Verdict
from ._common import PACKAGE_TORCH

#: The thresholds and the budget the exercise states. A character-level GRU trained for
#: a few epochs reaches about 0.82 accuracy in under 10 CPU-seconds; always answering the
#: most frequent language ("Russian") scores about 0.52 and a balanced accuracy of 1/18.
MIN_ACCURACY = 0.75
MIN_BALANCED = 0.40
CPU_BUDGET = 60.0
STAGE_TIMEOUT = 180.0
SOLUTION = "the package's own surname classifier, a solution of this exercise"


@functools.cache
def _splits():
    """(train, validation, test) lists of (name, language index): chapter 10's split."""
    return split_names(load_names())


def _test_set():
    """The distinct test names, sorted, and the set of languages of each."""
    labels: dict[str, set[int]] = {}
    for name, label in _splits()[2]:
        labels.setdefault(name, set()).add(label)
    names = sorted(labels)
    return names, [labels[n] for n in names]


def write_learner_view(folder: Path) -> None:
    """``folder/names/<Language>.txt`` holding the training and validation names only."""
    by_language: dict[int, list[str]] = {k: [] for k in range(len(LANGUAGES))}
    for name, label in (*_splits()[0], *_splits()[1]):
        by_language[label].append(name)
    (folder / "names").mkdir(parents=True, exist_ok=True)
    for label, names in by_language.items():
        (folder / "names" / f"{LANGUAGES[label]}.txt").write_text(
            "\n".join(sorted(names)) + "\n", encoding="utf-8")


def _predictions(result):
    """The learner's predicted labels and the true label sets, or (None, message)."""
    got, problem = get_output(result, "predicted")
    names, labels = _test_set()
    if problem:
        return None, None, problem
    if got.shape != (len(names),) or got.dtype.kind not in "iu":
        return None, None, (f"predict(names) returned an array of shape {got.shape} and dtype "
                            f"{got.dtype}; expected {len(names)} integer language indices")
    return got, labels, None


def _accuracy(result) -> Verdict:
    got, labels, problem = _predictions(result)
    if problem:
        return Verdict(False, problem)
    acc = float(np.mean([g in allowed for g, allowed in zip(got, labels, strict=True)]))
    if acc >= MIN_ACCURACY:
        return Verdict(True, f"accuracy {acc:.3f} on {len(labels)} held-out names")
    return Verdict(False, f"accuracy {acc:.3f} on the {len(labels)} held-out test names; "
                          f"needs {MIN_ACCURACY} (always answering the most frequent language "
                          f"scores about 0.52)")


def _balanced(result) -> Verdict:
    got, labels, problem = _predictions(result)
    if problem:
        return Verdict(False, problem)
    truth = np.array([g if g in allowed else min(allowed)
                      for g, allowed in zip(got, labels, strict=True)])
    score = balanced_accuracy(truth, got, len(LANGUAGES))
    if score >= MIN_BALANCED:
        return Verdict(True, f"balanced accuracy {score:.3f}")
    return Verdict(False, f"balanced accuracy {score:.3f} (the mean recall of the "
                          f"{len(LANGUAGES)} languages); needs {MIN_BALANCED}: the rare "
                          f"languages must be recognised too")


def _budget(result) -> Verdict:
    cpu, problem = get_output(result, "cpu_seconds")
    if problem:
        return Verdict(False, problem)
    if float(cpu) <= CPU_BUDGET:
        return Verdict(True, f"training took {float(cpu):.1f} CPU-seconds")
    return Verdict(False, f"training took {float(cpu):.1f} CPU-seconds; the budget is "
                          f"{CPU_BUDGET:g} (fewer epochs, a smaller hidden size, or batches)")


@functools.cache
def build(seed: int | None = None) -> Exercise:
    """The capstone has one held-out split: a seed changes nothing."""
    train = _splits()[0]
    names, _ = _test_set()
    probe = Probe("fit", (
        Step("helper:timed_call", ("train_classifier", "train_names", "train_labels"),
             ("predict", "cpu_seconds")),
        Step("predict", ("test_names",), "predicted"),
    ), {"train_names": [n for n, _ in train], "train_labels": np.array([lab for _, lab in train]),
        "test_names": names}, ("cpu_seconds", "predicted"))
    checks = (
        Check("accuracy", f"accuracy >= {MIN_ACCURACY} on the held-out test names", 5, "fit",
              evaluate=_accuracy),
        Check("balanced_accuracy", f"balanced accuracy >= {MIN_BALANCED} (all 18 languages)",
              3, "fit", evaluate=_balanced),
        Check("cpu_budget", f"training within {CPU_BUDGET:g} CPU-seconds", 2, "fit",
              evaluate=_budget),
    )
    return Exercise(
        name="name_classifier", title="Exercise 10 (capstone): classify surnames by language",
        chapter="chapters/10_classification", probes=(probe,), checks=checks,
        expected=lambda: {"fit": {}}, needs_torch=True, timeout=STAGE_TIMEOUT,
        data_view=write_learner_view,
        rules=(Rule("rnncourse.apps.classify", SOLUTION), Rule("rnncourse.train", SOLUTION),
               PACKAGE_TORCH),
        build=lambda _seed: build(None), seed=None)


EXERCISE = build(None)
