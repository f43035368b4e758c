"""Point the theme's Colab launch button at an .ipynb, which Colab needs.

The repository keeps chapters as MyST Markdown only. ``make notebooks``
converts them to .ipynb with jupytext, and the publishing step pushes those to
the ``notebooks`` branch (configured below as ``colab_branch``); the Colab
button opens the chapter there. Binder opens the .md directly (jupytext is in
requirements.txt).
"""

from __future__ import annotations

COLAB_BRANCH_DEFAULT = "notebooks"


def _retarget(app, pagename, templatename, context, doctree):
    branch = app.config.colab_branch
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []):
            url = button.get("url", "")
            if url.startswith("https://colab.research.google.com/") and url.endswith(".md"):
                head, _, tail = url.partition("/blob/")
                _, _, path = tail.partition("/")
                button["url"] = f"{head}/blob/{branch}/{path[:-3]}.ipynb"


def setup(app):
    app.add_config_value("colab_branch", COLAB_BRANCH_DEFAULT, "html")
    app.connect("html-page-context", _retarget, priority=600)  # after sphinx-book-theme (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
