"""Judging a learner's outputs in the grader's process: shapes, dtypes, values, known mistakes.

Every message says what was expected and what was received, and when the
learner's value matches a known mistake (a ``Variant``), names the mistake.
"""

from __future__ import annotations

import numpy as np

from .sandbox import ProbeResult
from .spec import Check, Variant, Verdict


def _lookup_meta(result: ProbeResult, name: str):
    """The description of output ``name`` ("grads.weight_ih" looks inside the dict "grads")."""
    if name in result.meta:
        return result.meta[name], None
    head, _, key = name.partition(".")
    if key and head in result.meta:
        parent = result.meta[head]
        if parent["kind"] != "dict":
            got = parent.get("type") or f"an array of shape {tuple(parent.get('shape', ()))}"
            return None, f"{head} should be a dict keyed like params; got {got}"
        if key not in parent["items"]:
            have = ", ".join(sorted(parent["items"])) or "none"
            return None, f"{head} has no key {key!r} (its keys: {have})"
        return parent["items"][key], None
    return None, None


def _index(arr, flat):
    return tuple(int(i) for i in np.unravel_index(flat, arr.shape))


def _dtype_problem(got: np.ndarray, expected: np.ndarray, name: str) -> str | None:
    if expected.dtype.kind == "f":
        if got.dtype.kind != "f":
            return f"{name} has dtype {got.dtype}; expected floating point ({expected.dtype})"
        if got.dtype != expected.dtype:
            return (f"{name} has dtype {got.dtype}; expected {expected.dtype} (keep float64 "
                    f"throughout: float32 rounding is far above the 1e-6 tolerance)")
    elif expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
        return f"{name} has dtype {got.dtype}; expected integers (indices)"
    return None


def validate(name: str, got, expected: np.ndarray) -> str | None:
    """A message if ``got`` cannot be compared with ``expected``: shape, dtype, NaN/inf."""
    if got.shape != expected.shape:
        hint = ""
        if got.ndim == 2 and got.shape[::-1] == expected.shape:
            hint = " (transposed?)"
        elif got.size == expected.size:
            hint = " (same number of entries: a reshape or a missing/extra axis?)"
        return f"{name} has shape {got.shape}; expected {expected.shape}{hint}"
    problem = _dtype_problem(got, expected, name)
    if problem:
        return problem
    if got.dtype.kind == "f" and not np.isfinite(got).all():
        nan, inf = int(np.isnan(got).sum()), int(np.isinf(got).sum())
        first = _index(got, int(np.flatnonzero(~np.isfinite(got))[0]))
        return (f"{name} contains {nan} NaN and {inf} inf entries (first at index {first}); "
                f"an overflow in exp, a division by zero or log(0)?")
    return None


def close(got, expected, rtol, atol) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def mismatch(name, got, expected) -> str:
    err = np.abs(got.astype(np.float64) - expected)
    worst = int(np.argmax(err))
    i = _index(expected, worst)
    return (f"{name} is wrong: largest error {err.flat[worst]:.3g} at index {i} "
            f"(expected {expected.flat[worst]:.6g}, got {got.flat[worst]:.6g})")


def get_output(result: ProbeResult, name: str):
    """``(array, None)`` for a usable output, or ``(None, message)`` explaining why not."""
    meta, problem = _lookup_meta(result, name)
    if problem:
        return None, problem
    if meta is None:
        if result.error:
            return None, result.error
        return None, f"{name} was not produced"
    if meta["kind"] == "invalid":
        return None, f"{name} is {meta['type']}; expected a NumPy array"
    if meta["kind"] == "dict":
        return None, f"{name} is a dict; expected a NumPy array"
    if name not in result.arrays:
        return None, f"{name} could not be read back from the sandbox"
    return result.arrays[name], None


def judge(check: Check, result: ProbeResult, expected: dict, variants: list[Variant]) -> Verdict:
    """Compare each output of ``check`` with its expected value; diagnose known mistakes."""
    if check.evaluate is not None:
        return check.evaluate(result)
    got_all = {}
    for name in check.outputs:
        got, problem = get_output(result, name)
        if problem:
            return Verdict(False, problem)
        problem = validate(name, got, expected[name])
        if problem:
            return Verdict(False, problem)
        got_all[name] = got
    wrong = [n for n in check.outputs
             if not close(got_all[n], expected[n], check.rtol, check.atol)]
    if not wrong:
        return Verdict(True)
    for variant in variants:
        if variant.probe != check.probe:
            continue
        covered = [n for n in check.outputs if n in variant.arrays]
        if (covered and any(n in covered for n in wrong)
                and all(close(got_all[n], variant.arrays[n], 1e-6, 1e-9) for n in covered)):
            return Verdict(False, variant.message)
    return Verdict(False, mismatch(wrong[0], got_all[wrong[0]], expected[wrong[0]]))
