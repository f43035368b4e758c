"""Number equations and figures from 1 on every page outside the numbered chapters.

Sphinx numbers figures and (with ``math_numfig``) equations per chapter number. Pages
without one (the exercises, the appendices) all share a single counter, so the third
unnumbered page with equations starts at (20). This extension runs after Sphinx has
assigned the numbers and restarts them on each unnumbered page, keeping their order.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def restart_unnumbered_pages(app: Sphinx, env: BuildEnvironment) -> list[str]:
    for docname, by_type in env.toc_fignumbers.items():
        if env.toc_secnumbers.get(docname):
            continue                                     # a numbered chapter: (3.1), (3.2), ...
        for numbers in by_type.values():
            in_order = sorted(numbers, key=numbers.__getitem__)
            for count, node_id in enumerate(in_order, start=1):
                numbers[node_id] = (count,)
    return []


def setup(app: Sphinx) -> dict[str, object]:
    # After the toctree collector (priority 500) has assigned the shared numbers.
    app.connect("env-get-updated", restart_unnumbered_pages, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
