"""The parent side of the sandbox: run learner code in a limited child process.

The child (``runner.py``) executes the notebook's code cells and then the
probes. It runs in its own session and temporary folder, with an address-space
limit (``RLIMIT_AS``), a file-size limit, one BLAS thread, and a wall-clock
watchdog per stage (each cell and each probe). If the child dies or is killed,
the stage it was in gets the blame and a fresh child carries on with the
remaining probes (skipping a notebook cell that hung or crashed), so one bad
function costs only its own checks. Outputs come back as ``.npz`` files read
with ``allow_pickle=False``, together with what the child's watch recorded (see
``watch.py``): the forbidden code each probe ran, and findings about the whole
notebook (files of the grader it opened, processes it started, internals it reached).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.paths import DATA_DIR
from .export import INSTRUCTOR_DIR
from .spec import Probe, Rule

MiB = 1024 * 1024
MAX_OUTPUT_FILE = 64 * MiB
STARTUP_TIMEOUT = 60.0
POLL = 0.02


@dataclass(frozen=True)
class Limits:
    """Per-stage wall-clock timeout (s) and the child's address-space limit (MiB)."""

    timeout: float = 10.0
    memory_mib: int = 3072


@dataclass
class ProbeResult:
    """What one probe sent back: output arrays, their descriptions, the first error."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, dict] = field(default_factory=dict)
    error: str | None = None
    ran: list[str] = field(default_factory=list)
    lines: int = 0


@dataclass
class SandboxResult:
    probes: dict[str, ProbeResult]
    cell_errors: dict[int, str]
    findings: list[tuple[str, str]] = field(default_factory=list)



def _encode_inputs(probes):
    """JSON specs of every probe's inputs, and the arrays they refer to (one npz)."""
    arrays, specs = {}, []
    for probe in probes:
        inputs = {}
        for name, value in probe.inputs.items():
            key = f"{probe.id}/{name}"
            if isinstance(value, np.ndarray):
                arrays[key] = value
                inputs[name] = {"kind": "array", "key": key}
            elif isinstance(value, dict):
                keys = {}
                for k, v in value.items():
                    arrays[f"{key}.{k}"] = np.asarray(v)
                    keys[k] = f"{key}.{k}"
                inputs[name] = {"kind": "dict", "keys": keys}
            else:
                inputs[name] = {"kind": "value", "value": value}
        steps = [{"call": s.call, "args": list(s.args), "kwargs": dict(s.kwargs),
                  "returns": s.returns if isinstance(s.returns, str) else list(s.returns)}
                 for s in probe.steps]
        specs.append({"id": probe.id, "inputs": inputs, "steps": steps,
                      "outputs": list(probe.outputs)})
    return specs, arrays


def _limit_resources(memory_mib):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mib * MiB, memory_mib * MiB))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_FILE, MAX_OUTPUT_FILE))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _child_env():
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "MPLBACKEND": "Agg", "RNNCOURSE_GRADING": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    # the package must be importable in the child even when it is not installed
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def _read_events(path):
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut short by a kill
    return events


def _termination(returncode, timed_out, timeout, memory_mib):
    if timed_out:
        return f"did not finish within {timeout:g} s (an endless loop?) and was stopped"
    if returncode is not None and returncode < 0:
        sig = -returncode
        if sig == signal.SIGKILL:
            return f"was killed (SIGKILL), probably for using more than {memory_mib} MiB"
        if sig == signal.SIGXFSZ:
            return f"wrote a file larger than {MAX_OUTPUT_FILE // MiB} MiB and was stopped"
        if sig == signal.SIGSEGV:
            return "crashed the Python process (segmentation fault)"
        return f"ended the process with signal {signal.Signals(sig).name}"
    return (f"ended the whole process abruptly (exit code {returncode}): os._exit() or a "
            f"crash; the grader recovered")


def _load_outputs(path):
    if not path.exists() or path.stat().st_size > MAX_OUTPUT_FILE:
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (ValueError, OSError, EOFError):
        return None


def _probe_result(jobdir, event, error):
    """A ``ProbeResult`` from a probe_end (or the last step_end) event and its npz file."""
    arrays = _load_outputs(jobdir / event["file"]) if event["file"] else {}
    if arrays is None:
        return ProbeResult(error=error or "its outputs could not be read back")
    return ProbeResult(arrays=arrays, meta=event.get("outputs", {}), error=error,
                       ran=event.get("ran", []), lines=event.get("lines", 0))


def _run_child(jobdir, timeout, memory_mib):
    """Run one child over the current job; return (events, termination message or None)."""
    events_path = jobdir / "events.jsonl"
    events_path.unlink(missing_ok=True)
    workdir = jobdir / "cwd"
    workdir.mkdir(exist_ok=True)
    with open(jobdir / "log.txt", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rnncourse.grading.runner", str(jobdir)],
            cwd=workdir, env=_child_env(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True, preexec_fn=_limit_resources(memory_mib))
        stage_start, seen, timed_out = time.monotonic(), 0, False
        while proc.poll() is None:
            time.sleep(POLL)
            events = _read_events(events_path)
            if len(events) != seen:
                seen, stage_start = len(events), time.monotonic()
            limit = timeout if seen else max(timeout, STARTUP_TIMEOUT)
            if time.monotonic() - stage_start > limit:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        try:  # reap anything the learner's code left running in the session
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    events = _read_events(events_path)
    if events and events[-1]["event"] == "done" and not timed_out:
        return events, None
    return events, _termination(proc.returncode, timed_out, timeout, memory_mib)


def run(cells, probes: list[Probe], rules: tuple[Rule, ...] = (), preload=(),
        limits: Limits | None = None, data_view=None, count_lines=False) -> SandboxResult:
    """Execute ``cells`` (list of ``(index, source)``) then ``probes`` in a sandboxed child,
    recording which code under ``rules`` each probe ran (and, with ``count_lines``, how
    many lines of the learner's code it executed). With ``data_view`` (a function writing
    a folder), the child's ``data/`` is that folder and the real one is off limits."""
    limits = limits or Limits()
    specs, arrays = _encode_inputs(probes)
    results: dict[str, ProbeResult] = {}
    cell_errors: dict[int, str] = {}
    findings: list[tuple[str, str]] = []
    skip_cells: set[int] = set()
    remaining = list(specs)
    rules_json = [[r.target, r.why] for r in rules]
    with tempfile.TemporaryDirectory(prefix="rnncourse-grade-") as tmp:
        jobdir = Path(tmp)
        np.savez(jobdir / "inputs.npz", **arrays)
        protected, data_dir = [str(INSTRUCTOR_DIR)], None
        if data_view is not None:
            data_dir = jobdir / "cwd" / "data"
            data_dir.mkdir(parents=True)
            data_view(data_dir)
            protected.append(str(DATA_DIR))
        while remaining:
            job = {"cells": [{"index": i, "source": src} for i, src in cells
                             if i not in skip_cells],
                   "probes": remaining, "rules": rules_json, "preload": list(preload),
                   "protected": protected, "data_dir": data_dir and str(data_dir),
                   "count_lines": count_lines}
            (jobdir / "job.json").write_text(json.dumps(job), encoding="utf-8")
            events, failure = _run_child(jobdir, limits.timeout, limits.memory_mib)
            stage, partial = None, {}
            for ev in events:
                if ev["event"] == "integrity":
                    finding = (ev["kind"], ev["detail"])
                    if finding not in findings:
                        findings.append(finding)
                elif ev["event"] == "cell_start":
                    stage = ("cell", ev["index"])
                elif ev["event"] == "cell_end":
                    stage = None
                    if ev.get("error"):
                        cell_errors[ev["index"]] = ev["error"]
                elif ev["event"] == "probe_start":
                    stage = ("probe", ev["id"])
                elif ev["event"] == "step_end":
                    partial[ev["id"]] = ev
                elif ev["event"] == "probe_end":
                    stage = None
                    results[ev["id"]] = _probe_result(jobdir, ev, ev.get("error"))
            remaining = [p for p in remaining if p["id"] not in results]
            if failure is None:
                break
            if stage and stage[0] == "cell":
                cell_errors[stage[1]] = f"this cell {failure}"
                skip_cells.add(stage[1])
            elif stage and stage[0] == "probe":
                # keep the outputs of the steps that finished before the one that failed
                last = partial.get(stage[1], {"outputs": {}, "file": None})
                results[stage[1]] = _probe_result(jobdir, last, f"the code {failure}")
                remaining = [p for p in remaining if p["id"] != stage[1]]
            else:  # died before running anything, or between stages: no progress possible
                for p in remaining:
                    results[p["id"]] = ProbeResult(error=f"the notebook {failure}")
                remaining = []
    return SandboxResult(probes=results, cell_errors=cell_errors, findings=findings)
