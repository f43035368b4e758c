"""`make gpu-record`: checks for CUDA first, then runs the CUDA tests and records the chapter-8
and chapter-9 GPU figures; without CUDA the check stops it at once with a clear message."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from rnncourse.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]


def _recipe():
    """The commands `make gpu-record` would run from its CUDA check on (any set-up of .venv
    before it left out), one string each with continuation lines joined."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    run = subprocess.run(["make", "-n", "gpu-record"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.replace("\\\n", " ").splitlines()
    start = next((i for i, line in enumerate(lines) if "benchmarks/require_cuda.py" in line), None)
    assert start is not None, f"no CUDA check in the recipe:\n{run.stdout}"
    return lines[start:]


def test_gpu_record_checks_cuda_first_then_records_each_figure():
    recipe = _recipe()
    expected = ["benchmarks/require_cuda.py", "-m pytest -m cuda tests",
                "benchmarks/bench_torch_lstm.py --device cuda",
                "-m rnncourse train --device cuda"]
    assert [next((i for i, line in enumerate(recipe) if step in line), None)
            for step in expected] == [0, 1, 2, 3], "\n".join(recipe)
    assert "--json benchmarks/results/lstm_gpu.json" in " ".join(recipe[2].split())
    assert "--json benchmarks/results/char_lm_gpu.json" in " ".join(recipe[3].split())


def test_gpu_record_trains_with_options_that_rnncourse_train_accepts():
    train = shlex.split(_recipe()[3])
    args = build_parser().parse_args(train[train.index("rnncourse") + 1:])
    assert (args.device, args.json) == ("cuda", "benchmarks/results/char_lm_gpu.json")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_the_cuda_check_fails_cleanly_without_cuda():
    run = subprocess.run([sys.executable, "benchmarks/require_cuda.py"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "expected an NVIDIA GPU with CUDA" in run.stderr and "nothing was run" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_the_readme_says_how_to_record_the_gpu_figures():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    gpu_section = readme.split("## Using a GPU", 1)[1].split("\n## ", 1)[0]
    assert "make gpu-record" in gpu_section
