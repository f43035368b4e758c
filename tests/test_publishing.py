"""The publishing workflow builds with the README's commands, deploys the HTML to GitHub Pages,
and fills the branch that the Colab buttons open with the notebooks `make notebooks` writes."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def _steps():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _action(name):
    """The `with:` settings of the one step that uses action ``name`` (any version)."""
    found = [step for step in _steps() if step.get("uses", "").split("@")[0] == name]
    assert len(found) == 1, f"expected one step using {name}, found {len(found)}"
    return found[0].get("with", {})


def test_the_workflow_builds_with_the_readmes_make_targets():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    runs = [step["run"].strip() for step in _steps() if "run" in step]
    makes = [line for run in runs for line in run.splitlines() if line.startswith("make ")]
    assert makes == ["make book", "make notebooks"]
    for command in makes:
        assert re.search(rf"^{command}\b", readme, re.MULTILINE) or f"`{command}`" in readme, (
            f"the README does not give the command {command!r}")


def test_the_workflow_deploys_the_html_to_github_pages():
    assert _action("actions/upload-pages-artifact")["path"] == "_build/html"
    _action("actions/deploy-pages")
    steps = _steps()
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    builds = next(i for i, step in enumerate(steps) if step.get("run", "").strip() == "make book")
    assert builds < uses.index("actions/upload-pages-artifact")


def test_the_notebooks_branch_is_the_one_the_colab_buttons_open():
    publish = _action("peaceiris/actions-gh-pages")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    notebooks_out = re.search(r"^NOTEBOOKS_OUT \?= (\S+)$", makefile, re.MULTILINE).group(1)
    colab = (ROOT / "_ext" / "colab_notebooks.py").read_text(encoding="utf-8")
    colab_branch = re.search(r'^COLAB_BRANCH_DEFAULT = "([^"]+)"$', colab, re.MULTILINE).group(1)
    assert publish["publish_dir"] == notebooks_out == "_build/notebooks"
    assert publish["publish_branch"] == colab_branch == "notebooks"
