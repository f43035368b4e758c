"""Flagging submissions that lean on the reference solution instead of implementing it.

Two independent signals, both reported for an instructor to review:

* static: the notebook imports a forbidden name (``from rnncourse.reference
  import rnn_forward``), reaches for it as an attribute inside a function or
  class (``reference.rnn_forward``, ``nn.LSTMCell``), or imports the grader's
  solved sources or checks;
* dynamic: during the probes a forbidden function was actually called (the
  sandbox wraps them; see ``runner.CallRecorder``).
"""

from __future__ import annotations

import ast

#: Parts of the grader a submission has no business importing (``grade`` itself is fine).
GRADER_INTERNALS = ("rnncourse.grading.sources", "rnncourse.grading.checks",
                    "rnncourse.grading.helpers")


def _attribute_uses(tree, names):
    """Attribute accesses ``<anything>.<name>`` inside function and class bodies: the graded
    code. Top-level cells may compare with the reference (a self-check) without a flag."""
    found = []
    for scope in ast.walk(tree):
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found += [node for node in ast.walk(scope)
                      if isinstance(node, ast.Attribute) and node.attr in names]
    return sorted({(n.lineno, n.attr) for n in found})


def static_flags(cells, forbidden) -> list[str]:
    """Reasons to flag the code in ``cells`` (list of ``(number, source)``)."""
    names = set().union(*forbidden.values()) if forbidden else set()
    reasons = []
    for number, source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # reported when the cell runs
        for node in ast.walk(tree):
            where = f"cell {number}, line {getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
                top = module.split(".")[0]
                for alias in node.names:
                    full = f"{module}.{alias.name}" if module else alias.name
                    if any(part in full for part in GRADER_INTERNALS):
                        reasons.append(f"{where}: imports {full}, the grader's solutions and "
                                       f"checks")
                    elif top in forbidden and alias.name in forbidden[top]:
                        reasons.append(f"{where}: imports {full}, a reference solution of "
                                       f"this exercise")
            elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
                  and "grading/sources" in node.value.replace("\\", "/")):
                reasons.append(f"{where}: reads the grader's solved sources")
        reasons += [f"cell {number}, line {line}: uses .{attr} in the graded code, a reference "
                    f"solution of this exercise" for line, attr in _attribute_uses(tree, names)]
    return reasons


def dynamic_flags(calls_by_probe) -> list[str]:
    """Reasons to flag from the forbidden functions each probe called."""
    called = sorted({c for calls in calls_by_probe.values() for c in calls})
    return [f"the graded code called {qualname}, a reference solution of this exercise"
            for qualname in called]
