"""The package's layout rules: the README's layout table names what exists, NumPy-only
modules never import torch, and a NumPy exercise grades without torch installed."""

import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Modules that need only NumPy (and the standard library): importing them must not
#: import torch, so the NumPy half of the course works where torch is not installed.
NUMPY_ONLY = ("rnncourse.reference", "rnncourse.reference.gradflow",
              "rnncourse.reference.gru_variants", "rnncourse.data", "rnncourse.metrics",
              "rnncourse.plots", "rnncourse.train", "rnncourse.utils", "rnncourse.notebooks",
              "rnncourse.apps.min_char_rnn", "rnncourse.apps.ngram", "rnncourse.grading",
              "rnncourse.cli")

#: A sitecustomize that makes ``import torch`` fail in every Python process that starts
#: with it on its path (the grader's sandboxed child included), as if torch were absent.
BLOCK_TORCH = '''
import sys

class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, _NoTorch())
'''


def _without_torch(tmp_path, *args, timeout=300):
    (tmp_path / "sitecustomize.py").write_text(BLOCK_TORCH)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "HOME": str(tmp_path),
           "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_numpy_only_modules_do_not_import_torch(tmp_path):
    code = ("import importlib, sys\n"
            f"for name in {NUMPY_ONLY!r}:\n"
            "    importlib.import_module(name)\n"
            "print('torch' in sys.modules)\n")
    run = _without_torch(tmp_path, "-c", code)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == "False"


def test_the_torch_blocker_works(tmp_path):
    """The check above could pass vacuously if the blocker did nothing."""
    run = _without_torch(tmp_path, "-c", "import rnncourse.apps.charlm")
    assert run.returncode != 0 and "blocked by the test" in run.stderr


def test_a_numpy_exercise_grades_without_torch(tmp_path):
    run = _without_torch(tmp_path, "-m", "rnncourse", "grade", "exercises/01_rnn_step.md",
                         "--json")
    assert run.returncode == 0, run.stderr[-3000:]
    assert '"exercise": "rnn_step"' in run.stdout and "No module named 'torch'" not in run.stdout


def _layout_rows():
    """(path, names) for each row of the README's layout table whose path is in rnncourse/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`rnncourse/"):
            paths = re.findall(r"`(rnncourse/[^`]*)`", cells[0])
            rows += [(p, re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[1])) for p in paths]
    return rows


def test_layout_table_lists_the_package():
    rows = _layout_rows()
    listed = {path.rstrip("/") for path, _ in rows}
    package = ROOT / "rnncourse"
    on_disk = {f"rnncourse/{p.name}" for p in package.iterdir()
               if (p.suffix == ".py" and p.name not in ("__init__.py", "__main__.py"))
               or (p.is_dir() and (p / "__init__.py").exists())}
    assert listed == on_disk


@pytest.mark.parametrize("path,names", _layout_rows(), ids=lambda v: str(v))
def test_layout_table_names_exist_where_it_says(path, names):
    assert (ROOT / path).exists(), path
    module_name = path.rstrip("/").removesuffix(".py").replace("/", ".")
    module = importlib.import_module(module_name)
    is_package = hasattr(module, "__path__")
    missing = [n for n in names if not hasattr(module, n)
               and not (is_package and importlib.util.find_spec(f"{module_name}.{n}"))]
    assert not missing, f"{path}: the README names {missing}, which it does not define"
