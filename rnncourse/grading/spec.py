"""What an exercise is made of: probes run in the sandbox, checks scored in the grader.

A *probe* is a short script of calls into the learner's notebook with fixed
inputs (``Step``\\ s); the sandbox runs it in a child process and sends back the
named outputs as plain arrays. A *check* looks at some of those outputs in the
grader's own process, compares them with expected values computed there, and
awards its points or explains what went wrong. A *variant* is what a common
mistake would have produced (for instance the LSTM with its gates in the wrong
order); when a learner's output matches one, the feedback names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Step:
    """One call inside a probe: ``returns = call(*args, **kwargs)``.

    ``call`` names a function or class defined in the learner's notebook, or a
    trusted child-side helper as ``"helper:<name>"`` (see ``helpers.py``).
    ``args``/``kwargs`` name values of the probe (its inputs, earlier returns)
    or, failing that, of the learner's notebook. ``returns`` is a tuple of names
    to unpack the result into (the learner must return exactly that many values),
    or a single name for the whole result.
    """

    call: str
    args: tuple[str, ...] = ()
    returns: tuple[str, ...] | str = "result"
    kwargs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """Fixed inputs, the steps to run on them, and the outputs to send back.

    ``inputs`` values are arrays, dicts of arrays, or JSON scalars (numbers,
    strings, booleans, None). An output that is a dict comes back as one entry
    per key, named ``"<output>.<key>"``.
    """

    id: str
    steps: tuple[Step, ...]
    inputs: Mapping[str, Any]
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    """The outputs a common mistake produces for one probe, and what to tell the learner."""

    probe: str
    arrays: Mapping[str, np.ndarray]
    message: str


@dataclass
class Verdict:
    """A check's result: the points earned (0 or all of them) and feedback."""

    passed: bool
    message: str = ""


@dataclass(frozen=True)
class Check:
    """A scored check on the outputs of one probe.

    By default every name in ``outputs`` must match the exercise's expected
    value to ``rtol``/``atol`` with the expected shape and dtype; ``evaluate``
    replaces that rule with a function ``(ProbeResult) -> Verdict`` for checks
    that are not comparisons (an exception raised, an input left unchanged).
    """

    id: str
    description: str
    points: float
    probe: str
    outputs: tuple[str, ...] = ()
    rtol: float = 1e-6
    atol: float = 1e-9
    evaluate: Callable[..., Verdict] | None = None


@dataclass(frozen=True)
class Rule:
    """Code that a check's answer must not come from, and why.

    ``target`` is a module or package (``"rnncourse.torch"``, ``"torch.autograd"``), a
    function or class of a module (``"rnncourse.reference.rnn:rnn_forward"``; its methods
    and nested functions included), or a C function by qualified name
    (``"c:_VariableFunctionsClass.lstm_cell"``). ``why`` says what the target is, for the
    feedback: "the package's reference solution of this exercise".
    """

    target: str
    why: str


@dataclass(frozen=True)
class Exercise:
    """A graded exercise: its notebook, the probes to run, the checks and their reference.

    ``expected()`` returns ``{probe_id: {output_name: array}}`` computed in the
    grader's process from an independent reference (the NumPy reference
    package, ``torch.nn`` or torch autograd). ``variants()`` lists common
    mistakes. ``rules`` name the code a check's answer must not come from (the
    reference solutions; torch's autograd where the backward is to be written by
    hand): a probe that runs any of it scores 0 on its checks. ``timeout`` raises the
    per-stage time limit (a capstone trains a model); ``data_view(folder)`` writes the
    part of the shipped data the learner may see, which the sandbox then serves in place
    of ``data/`` (the held-out split stays with the grader). ``count_lines`` has the
    sandbox count the lines of the learner's code each probe executes (``ProbeResult.lines``),
    for checks on how the answer is computed (in parallel, not step by step).
    """

    name: str
    title: str
    chapter: str
    probes: tuple[Probe, ...]
    checks: tuple[Check, ...]
    expected: Callable[[], dict[str, dict[str, np.ndarray]]]
    variants: Callable[[], list[Variant]] = list
    rules: tuple[Rule, ...] = ()
    needs_torch: bool = False
    build: Callable[[int | None], Exercise] | None = None
    seed: int | None = None
    timeout: float | None = None
    data_view: Callable[[Path], None] | None = None
    count_lines: bool = False

    def with_seed(self, seed: int | None) -> Exercise:
        """The same exercise with probes drawn from ``seed``: fresh sizes and values, for
        the instructor's hidden checks (``None``: the public, fixed probes)."""
        if seed == self.seed or self.build is None:
            return self
        return self.build(seed)

    @property
    def stem(self) -> str:
        """The notebook's file name without extension, e.g. ``"01_rnn_step"``."""
        return f"{self.chapter_number:02d}_{self.name}"

    @property
    def chapter_number(self) -> int:
        return EXERCISE_ORDER.index(self.name) + 1

    @property
    def max_points(self) -> float:
        return float(sum(c.points for c in self.checks))

    def probe(self, probe_id: str) -> Probe:
        return next(p for p in self.probes if p.id == probe_id)


#: Exercise names in course order; the number prefix of each notebook comes from here.
EXERCISE_ORDER = ("rnn_step", "bptt", "clipping", "lstm_step", "gru_step", "torch_lstm_cell",
                  "sampling", "attention", "linear_scan", "name_classifier")
