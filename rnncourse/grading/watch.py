"""What the learner's code does at run time, recorded inside the sandboxed child.

Two recorders, installed by ``runner.py`` before any learner code runs:

* a PEP 578 audit hook (``sys.addaudithook``; it cannot be removed by the code it
  watches) sees every file opened, every process started and the introspection
  that could reach the grader's own state (``gc.get_objects``, frames, code
  objects rebuilt by hand, ``ctypes``, a replaced profiler). Each finding is
  reported at once through ``report(kind, detail)``, so it survives a crash;
* a profiler (``sys.setprofile``, also for new threads) collects the code objects
  and C functions that run while a probe calls the learner's code. After the
  probe, ``Watch.ran()`` names those that a rule forbids, whatever route led
  there: an import under another name, ``__import__``, ``importlib``,
  ``sys.modules``, ``getattr`` with a string built at run time, or a function
  rebuilt from a reference code object all end in the same code running;
* where an exercise asks for it, a tracer counts the lines of the learner's own
  code that a probe executes (a loop over time steps shows as thousands).

Rules are ``(target, why)`` pairs, see ``spec.Rule``. Targets are resolved to files
without importing anything, so a NumPy exercise never imports torch.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import sysconfig
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType

#: Audit events that start another process: its work cannot be watched.
PROCESS_EVENTS = ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "os.fork", "os.forkpty", "pty.spawn")
#: Audit events that reach the interpreter's internals (the grader's state lives there).
INTERNALS_EVENTS = ("gc.get_objects", "gc.get_referrers", "gc.get_referents",
                    "sys._current_frames", "sys.setprofile", "sys.settrace", "code.__new__")
#: Audit events reached only through frames: flagged when the learner's code asked for them.
FRAME_EVENTS = ("sys._getframe", "object.__getattr__")
#: Audited attributes that lead to a frame (and from there to the grader's state).
FRAME_ATTRIBUTES = ("tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back")
#: Standard-library modules that hand frames to their caller (``inspect.currentframe``).
ON_BEHALF = ("inspect",)
LEARNER_PREFIXES = ("<cell ", "<string>")
_STDLIB = (os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep, "<frozen ")


def _real(path: str) -> str:
    return os.path.realpath(path) if path and not path.startswith("<") else path


def module_location(name: str) -> str | None:
    """The file (``.py``) or folder of module ``name``, found without importing it."""
    module = sys.modules.get(name)
    if module is not None:
        file = getattr(module, "__file__", None)
        if file is None:
            return None
        return _real(os.path.dirname(file) if file.endswith("__init__.py") else file)
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top) if top not in sys.modules else sys.modules[top].__spec__
    if spec is None or not spec.submodule_search_locations:
        return _real(spec.origin) if spec and spec.origin and not rest else None
    base = Path(list(spec.submodule_search_locations)[0]).joinpath(*rest)
    if base.is_dir():
        return _real(str(base))
    return _real(str(base.with_suffix(".py"))) if base.with_suffix(".py").exists() else None


class Rules:
    """Forbidden code resolved to files, folders, qualified names and C function names."""

    def __init__(self, rules: Iterable[tuple[str, str]]):
        self.files: dict[str, str] = {}
        self.folders: dict[str, str] = {}
        self.functions: dict[str, list[tuple[str, str]]] = {}
        self.c_functions: dict[str, str] = {}
        for target, _why in rules:  # the reasons are the parent's, for its messages
            if target.startswith("c:"):
                self.c_functions[target[2:]] = target
                continue
            module, _, qualname = target.partition(":")
            where = module_location(module)
            if where is None:
                continue  # not installed here, so it cannot run either
            if qualname:
                self.functions.setdefault(where, []).append((qualname, target))
            elif os.path.isdir(where):
                self.folders[where + os.sep] = target
            else:
                self.files[where] = target
        self._real: dict[str, str] = {}
        self._cache: dict[str, str | None] = {}

    def source_files(self) -> list[str]:
        """Files and folders whose text a submission has no business reading."""
        return [*self.files, *self.folders, *self.functions]

    def _file_rule(self, filename: str) -> str | None:
        if filename not in self._cache:
            real = self._real[filename] = _real(filename)
            hit = self.files.get(real)
            if hit is None:
                hit = next((t for f, t in self.folders.items() if real.startswith(f)), None)
            self._cache[filename] = hit
        return self._cache[filename]

    def match_code(self, code) -> str | None:
        """The rule a code object falls under, or None."""
        hit = self._file_rule(code.co_filename)
        if hit:
            return hit
        qualname = getattr(code, "co_qualname", code.co_name)
        for name, target in self.functions.get(self._real[code.co_filename], ()):
            if qualname == name or qualname.startswith(name + "."):
                return target
        return None


def provenance(obj) -> tuple[str, list] | None:
    """Where a function or class the probe calls was defined: a name and its code objects."""
    if isinstance(obj, type):
        codes = [v.__code__ for cls in obj.__mro__ for v in vars(cls).values()
                 if hasattr(v, "__code__")]
        return f"{obj.__module__}.{obj.__qualname__}", codes
    func = getattr(obj, "__func__", obj)
    code = getattr(func, "__code__", None)
    if code is None:
        return None
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', '?')}", [code]


class Watch:
    """The audit hook and the profiler of one child process."""

    def __init__(self, rules: Rules, protected: Iterable[str],
                 report: Callable[[str, str], None], allowed: Iterable[str] = ()):
        self.rules = rules
        self.protected = [_real(p) for p in protected]
        self.allowed = [_real(p) for p in allowed]
        self.report = report
        self.active = False  # off while the runner itself works
        self._busy = False   # the hook's own calls raise audit events too
        self.codes: set = set()
        self.c_calls: set[str] = set()
        self.called: list[tuple[str, str, list]] = []
        self.lines = 0
        sys.addaudithook(self._audit)

    # -- the profiler ------------------------------------------------------------------
    def _profile(self, frame, event, arg):
        if not self.active:
            return
        if event == "call":
            self.codes.add(frame.f_code)
        elif event == "c_call" and self.rules.c_functions:
            name = getattr(arg, "__qualname__", None)
            if name in self.rules.c_functions:
                self.c_calls.add(name)

    def _trace(self, frame, event, arg):
        """Global tracer: follow only the learner's own frames, counting their lines."""
        if frame.f_code.co_filename.startswith(LEARNER_PREFIXES):
            return self._count_line
        return None

    def _count_line(self, frame, event, arg):
        if event == "line" and self.active:
            self.lines += 1
        return self._count_line

    def count_lines(self, on: bool) -> None:
        """Start (from 0) or stop counting the lines the learner's code executes."""
        if on:
            self.lines = 0
        sys.settrace(self._trace if on else None)

    def start_profiling(self) -> None:
        threading.setprofile(self._profile)
        sys.setprofile(self._profile)

    def reset(self) -> None:
        self.codes, self.c_calls, self.called = set(), set(), []

    def note_called(self, name: str, obj) -> None:
        """Remember where the function or class the notebook calls ``name`` comes from."""
        found = provenance(obj)
        if found:
            self.called.append((name, *found))

    def ran(self) -> list[str]:
        """``"target|detail"`` for each forbidden thing that ran (or was called) so far."""
        hits: dict[str, str] = {}
        for name, defined, codes in self.called:
            for code in codes:
                target = self.rules.match_code(code)
                if target:
                    hits.setdefault(target, f"the notebook's {name} is {defined}")
        ran: dict[str, dict[str, set[str]]] = {}
        for code in self.codes:
            target = self.rules.match_code(code)
            if target and target not in hits:
                names = ran.setdefault(target, {}).setdefault(_short(code.co_filename), set())
                names.add(getattr(code, "co_qualname", code.co_name))
        for target, files in ran.items():
            hits[target] = "; ".join(f"{', '.join(sorted(names)[:4])} ({file}) ran"
                                     for file, names in sorted(files.items()))
        for name in self.c_calls:
            hits.setdefault(self.rules.c_functions[name], f"{name} ran")
        return [f"{target}|{detail}" for target, detail in sorted(hits.items())]

    # -- the audit hook -----------------------------------------------------------------
    def _audit(self, event: str, args: tuple) -> None:
        if not self.active or self._busy:
            return
        self._busy = True
        try:
            self._judge(event, args)
        finally:
            self._busy = False

    def _judge(self, event, args):
        if event == "open":
            self._opened(args[0], args[1])
        elif event.startswith(PROCESS_EVENTS):
            self.report("process", f"started another process ({event}"
                                   f"{_first_arg(args)}): its work cannot be watched")
        elif event.startswith("ctypes.") and self._asked_by_learner():
            self.report("internals", f"used ctypes ({event})")
        elif event in INTERNALS_EVENTS and self._asked_by_learner():
            self.report("internals", f"reached the interpreter's internals ({event})")
        elif (event == "object.__setattr__" and len(args) > 1 and args[1] == "__code__"
              and self._asked_by_learner()):
            self.report("internals", "replaced a function's __code__")
        elif event in FRAME_EVENTS:
            what = args[1] if event == "object.__getattr__" and len(args) > 1 else event
            if event == "object.__getattr__" and what not in (*FRAME_ATTRIBUTES, "__code__"):
                return  # __defaults__ and the like: inspect.signature reads them
            # inspect.signature reads __code__ for its caller: only a direct read counts
            if self._asked_by_learner(skip=() if what == "__code__" else ON_BEHALF):
                self.report("internals", f"reached into the interpreter's frames or code "
                                         f"({what})")

    def _opened(self, path, mode):
        if not isinstance(path, str | bytes):
            return
        real = _real(os.fsdecode(path))
        if any(real == a or real.startswith(a + os.sep) for a in self.allowed):
            return
        for folder in self.protected:
            if real == folder or real.startswith(folder + os.sep):
                self.report("read", f"opened {_short(real)}, which belongs to the grader")
                return
        for source in self.rules.source_files():
            if real.startswith(source.rstrip(os.sep)) and real.endswith((".py", ".pyc")):
                if not _importing():
                    self.report("read", f"read the source of {_short(real)}, a reference "
                                        f"solution")
                return

    def _asked_by_learner(self, skip: tuple[str, ...] | None = None) -> bool:
        """Whether the learner's code made the audited call: the first caller that is not a
        standard-library module (or, with ``skip``, not one of those modules) is a cell."""
        frame: FrameType | None = sys._getframe(3)  # 0: here, 1: _judge, 2: _audit, 3: caller
        while frame is not None:
            name = frame.f_code.co_filename
            module = frame.f_globals.get("__name__", "").split(".")[0]
            in_stdlib = name.startswith(_STDLIB)
            if not (in_stdlib and (skip is None or module in skip)):
                return name.startswith(LEARNER_PREFIXES)
            frame = frame.f_back
        return False


def _importing() -> bool:
    """Whether the import system is loading a module (reading its source is then fine)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith("<frozen importlib") and code.co_name in (
                "_load_unlocked", "exec_module", "_find_and_load"):
            return True
        frame = frame.f_back
    return False


def _first_arg(args) -> str:
    if not args:
        return ""
    first = args[0]
    text = " ".join(map(os.fsdecode, first)) if isinstance(first, list | tuple) else str(first)
    return f": {text[:80]}"


def _short(path: str) -> str:
    """``rnncourse/reference/rnn.py`` rather than the full path."""
    parts = Path(path).parts
    for anchor in ("rnncourse", "instructor", "data", "torch"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor) - 1:])
    return path
