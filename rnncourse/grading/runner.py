"""The child side of the sandbox: run a learner's notebook code, then the probes.

Started by ``sandbox.py`` as ``python -m rnncourse.grading.runner JOBDIR`` under
resource limits. Reads ``JOBDIR/job.json`` (cells, probes, rules, protected paths) and
``JOBDIR/inputs.npz``; appends one JSON line per event to ``JOBDIR/events.jsonl``
(flushed at once, so the parent knows which stage was running if this process
dies) and writes each probe's outputs to ``JOBDIR/probe_<k>.npz``. Nothing is
pickled: outputs are plain numeric arrays. ``watch.py`` records what the learner's
code opens, starts and runs (an audit hook and a profiler, installed before the
first cell); this module only reports that and what the learner's code returned:
all judging happens in the parent process.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path

import numpy as np

from .watch import Rules, Watch

MAX_MESSAGE = 400


class Events:
    """Append-only JSON-lines log, flushed after every event."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def emit(self, **event):
        self.file.write(json.dumps(event) + "\n")
        self.file.flush()


def describe_exception(exc: BaseException) -> str:
    """One line naming the exception and the learner's cell and line where it was raised."""
    where = ""
    # lookup_lines=False: only names and numbers, no source files opened
    frames = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__),
                                            lookup_lines=False)
    for frame in reversed(frames):
        if frame.filename.startswith("<cell "):
            where = f" (in {frame.filename.strip('<>')}, line {frame.lineno})"
            break
    if isinstance(exc, NotImplementedError):
        text = "NotImplementedError: not implemented yet (the stub still raises)"
    elif isinstance(exc, SystemExit):
        text = f"SystemExit: the code called sys.exit({exc.code!r}) or exit()"
    elif isinstance(exc, MemoryError):
        text = "MemoryError: the code tried to allocate more memory than the grader allows"
    else:
        text = f"{type(exc).__name__}: {exc}"
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "..."
    return text + where


def load_inputs(spec, arrays):
    """Rebuild a probe's input values (fresh copies) from their JSON spec and the npz arrays."""
    values = {}
    for name, item in spec.items():
        kind = item["kind"]
        if kind == "array":
            values[name] = np.array(arrays[item["key"]])
        elif kind == "dict":
            values[name] = {k: np.array(arrays[key]) for k, key in item["keys"].items()}
        else:
            values[name] = item["value"]
    return values


def to_array(value):
    """A numeric NumPy array from an array, a torch tensor, a number or a list; else None."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray | np.generic | int | float | bool | list | tuple):
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            return None
        if arr.dtype.kind in "biuf":
            return arr
    return None


def describe_type(value) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of length {len(value)}"
    return "None" if value is None else f"a {type(value).__name__}"


def encode_output(name, value, arrays):
    """Store ``value`` in ``arrays`` (dicts one level deep) and return its JSON description."""
    if isinstance(value, dict):
        items = {}
        for key, item in value.items():
            items[str(key)] = encode_output(f"{name}.{key}", item, arrays)
        return {"kind": "dict", "items": items}
    arr = to_array(value)
    if arr is None:
        return {"kind": "invalid", "type": describe_type(value)}
    arrays[name] = arr
    return {"kind": "array", "dtype": str(arr.dtype), "shape": list(arr.shape)}


def bind_returns(step, result, values):
    """Unpack a call's result into the probe's values; return an error message or None."""
    returns = step["returns"]
    if isinstance(returns, str):
        values[returns] = result
        return None
    want = len(returns)
    if not isinstance(result, tuple | list) or len(result) != want:
        return (f"{step['call']} returned {describe_type(result)}; expected a tuple of "
                f"{want} values ({', '.join(returns)})")
    values.update(zip(returns, result, strict=True))
    return None


def resolve(name, values, namespace, helpers):
    if name.startswith("helper:"):
        return getattr(helpers, name.split(":", 1)[1])
    if name in values:
        return values[name]
    if name in namespace:
        return namespace[name]
    raise LookupError(f"{name} is not defined in the notebook (is the cell that defines it "
                      f"there, and does it run without errors?)")


def run_probe(probe, arrays, namespace, helpers, save, watch):
    """Run one probe's steps, calling ``save(values)`` after each; return the values bound
    so far and the first error. Every function or class taken from the notebook is shown
    to ``watch``, which records where it was defined."""
    values = load_inputs(probe["inputs"], arrays)
    for step in probe["steps"]:
        try:
            func = resolve(step["call"], values, namespace, helpers)
            args = [resolve(a, values, namespace, helpers) for a in step["args"]]
            kwargs = {k: resolve(v, values, namespace, helpers)
                      for k, v in step["kwargs"].items()}
            for name in (step["call"], *step["args"], *step["kwargs"].values()):
                if name not in values and name in namespace:
                    watch.note_called(name, namespace[name])
            result = func(*args, **kwargs)
        except LookupError as exc:
            return values, str(exc.args[0]) if exc.args else repr(exc)
        except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
            if step["call"].startswith("helper:"):
                return values, describe_exception(exc)
            return values, f"{step['call']} raised {describe_exception(exc)}"
        error = bind_returns(step, result, values)
        if error:
            return values, error
        save(values)
    return values, None


def save_outputs(names, values, path, watch):
    """Write the named outputs present in ``values`` to ``path`` (npz); return their meta.

    Converting them may run the learner's code (a tensor subclass, ``__array__``): that
    happens while ``watch`` is recording; only the file write is the runner's own."""
    out_arrays, meta = {}, {}
    for name in names:
        if name in values:
            try:
                meta[name] = encode_output(name, values[name], out_arrays)
            except BaseException as exc:  # noqa: BLE001 - e.g. a tensor whose .numpy() raises
                meta[name] = {"kind": "invalid", "type": describe_exception(exc)}
    watch.active = False
    np.savez(path, **out_arrays)
    watch.active = True
    return meta


def main(jobdir):
    jobdir = Path(jobdir)
    job = json.loads((jobdir / "job.json").read_text(encoding="utf-8"))
    events = Events(jobdir / "events.jsonl")
    arrays = dict(np.load(jobdir / "inputs.npz", allow_pickle=False))
    from rnncourse.grading import helpers

    def report(kind, detail):
        events.emit(event="integrity", kind=kind, detail=detail)

    workdir = Path.cwd()
    watch = Watch(Rules(job["rules"]), job["protected"] + [str(jobdir)], report,
                  allowed=[str(workdir)])
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    for module in job["preload"]:
        importlib.import_module(module)
    if job.get("data_dir"):  # the learner's view of the shipped data (no held-out split)
        paths = importlib.import_module("rnncourse.data.paths")
        paths.DATA_DIR = Path(job["data_dir"])
    watch.start_profiling()
    for cell in job["cells"]:
        events.emit(event="cell_start", index=cell["index"])
        try:
            code = compile(cell["source"], f"<cell {cell['index']}>", "exec")
            watch.active = True
            exec(code, namespace)
        except BaseException as exc:  # noqa: BLE001
            error = describe_exception(exc)
        else:
            error = None
        watch.active = False
        events.emit(event="cell_end", index=cell["index"], error=error)

    for k, probe in enumerate(job["probes"]):
        events.emit(event="probe_start", id=probe["id"])
        path = jobdir / f"probe_{k}.npz"

        def save(values, probe=probe, path=path):
            """Write the outputs bound so far: what survives if a later step kills us."""
            meta = save_outputs(probe["outputs"], values, path, watch)
            watch.active = False
            events.emit(event="step_end", id=probe["id"], outputs=meta, file=path.name,
                        ran=watch.ran(), lines=watch.lines)
            watch.active = True

        watch.reset()
        if job.get("count_lines"):
            watch.count_lines(True)
        watch.active = True
        values, error = run_probe(probe, arrays, namespace, helpers, save, watch)
        meta = save_outputs(probe["outputs"], values, path, watch)
        watch.active = False
        if job.get("count_lines"):
            watch.count_lines(False)
        events.emit(event="probe_end", id=probe["id"], error=error, outputs=meta,
                    file=path.name, ran=watch.ran(), lines=watch.lines)
    events.emit(event="done")


if __name__ == "__main__":
    main(sys.argv[1])
