"""Integrity verdicts: what the sandbox saw the learner's code run, as feedback and flags.

The child's watch (``watch.py``) reports, per probe, the forbidden code that ran
while the learner's functions were called (by any route: an alias, ``__import__``,
``importlib``, ``sys.modules``, ``getattr`` with a computed name, a function rebuilt
from a reference code object), and, for the whole notebook, files of the grader it
opened, processes it started and interpreter internals it reached. A check whose
probe ran forbidden code scores 0; any notebook-wide finding zeroes every check,
since what it touched can no longer be trusted. Each message names what was used.
"""

from __future__ import annotations

from .spec import Rule


def probe_violations(ran: list[str], rules: tuple[Rule, ...]) -> list[str]:
    """One sentence per kind of forbidden code that ran during a probe, naming it.

    ``ran`` holds ``"target|detail"`` items from the watch; targets that share a reason
    (the three entry points of autograd, say) make one sentence."""
    why = {rule.target: rule.why for rule in rules}
    grouped: dict[str, tuple[list[str], list[str]]] = {}
    for item in ran:
        target, _, detail = item.partition("|")
        names, details = grouped.setdefault(why.get(target, "forbidden in this exercise"),
                                            ([], []))
        names.append(target.removeprefix("c:").replace(":", "."))
        details.append(detail.removesuffix(" ran"))
    out = []
    for reason, (names, details) in grouped.items():
        verb = "is" if len(names) == 1 else "are"
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        ran_or_is = "" if all(" is " in d for d in details) else " ran"
        out.append(f"{'; '.join(details)}{ran_or_is}: {listed} {verb} {reason}")
    return out


def notebook_violations(findings: list[tuple[str, str]]) -> list[str]:
    """One sentence per notebook-wide finding (``(kind, detail)`` from the watch)."""
    return [f"the notebook {detail}" for _, detail in findings]


def zeroed_message(violations: list[str]) -> str:
    """The feedback of a check scored 0 for what ran."""
    return ("0 points for what ran, not for what is written: " + "; ".join(violations)
            + ". Write this part yourself.")
