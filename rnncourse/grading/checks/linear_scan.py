"""Exercise 9: the backward pass of h_t = a_t * h_{t-1} + b_t as a parallel reverse scan.

Chapter 13 prints the sequential backward and the parallel forward scans, and notes
that the backward is the same recurrence run backwards; here the learner computes it
in parallel (a loop over log2 T doubling levels, not over the T steps), which the
sandbox checks by counting the lines of the learner's code a long probe executes.
Expected values come from the reference (``rnncourse.reference.linear_scan`` and
``linear_scan_backward``); the variants compute the classic slips of the reverse scan.
"""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant, Verdict
from ._common import AUTOGRAD, PACKAGE_TORCH, draw_sizes, reference_rules, rng_for

PUBLIC_SIZES = (2, 7, 3)  # N, T, H
LONG = 4096
#: Lines of the learner's code a T = LONG probe may execute: a loop over the steps runs at
#: least one line per step; a doubling scan runs a few lines for each of log2 T levels.
MAX_LINES = 1000


def _inputs(seed):
    rng = rng_for("linear_scan", seed)
    n, t, h = draw_sizes(rng, seed, PUBLIC_SIZES, low=2, high=9)

    def problem(n, steps, h, low):
        sign = rng.choice([-1.0, 1.0], (n, steps, h))
        a = sign * rng.uniform(low, 1.0, (n, steps, h))
        b, h0 = rng.standard_normal((n, steps, h)), rng.standard_normal((n, h))
        hs, _ = ref.linear_scan(a, b, h0)
        return {"a": a, "h0": h0, "hs": hs, "dhs": rng.standard_normal((n, steps, h))}
    return {"main": problem(n, t, h, 0.3), "long": problem(1, LONG, 2, 0.999)}


def reverse_scan(v, recurrent=True, shifted=True, h_prev=True, a_first=True):
    """da, db, dh0 with the classic slips as switches: no recurrent term, coefficients
    not shifted (a_t instead of a_{t+1}), da from h_t instead of h_{t-1}, dh0 = g_1."""
    a, dhs, h0, hs = v["a"], v["dhs"], v["h0"], v["hs"]
    g, carry = np.zeros_like(dhs), np.zeros_like(h0)
    for t in reversed(range(a.shape[1])):
        g[:, t] = dhs[:, t] + (carry if recurrent else 0.0)
        carry = (a[:, t] if shifted or t == 0 else a[:, t - 1]) * g[:, t]  # into h_{t-1}
    prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1) if h_prev else hs
    return {"da": g * prev, "db": g, "dh0": a[:, 0] * g[:, 0] if a_first else g[:, 0]}


def _expected(v):
    da, db, dh0 = ref.linear_scan_backward(v["dhs"], ref.ScanCache(v["a"], v["h0"], v["hs"]))
    return {"da": da, "db": db, "dh0": dh0}


def _in_parallel(result) -> Verdict:
    if result.error:
        return Verdict(False, result.error)
    if result.lines <= MAX_LINES:
        return Verdict(True, f"{result.lines} lines of your code ran for T = {LONG}")
    return Verdict(False, f"{result.lines} lines of your code ran for T = {LONG} steps (at "
                          f"most {MAX_LINES}): that is a loop over the time steps. Combine "
                          f"whole shifted arrays instead, doubling the offset each round, so "
                          f"that log2 T = {int(np.log2(LONG))} rounds cover the sequence")


STEPS = (Step("scan_backward", ("dhs", "a", "h0", "hs"), ("da", "db", "dh0")),)
OUTPUTS = ("da", "db", "dh0")

CHECKS = (
    Check("db", "dL/db_t = g_t, the reverse scan g_t = dhs_t + a_{t+1} * g_{t+1}", 3, "main",
          ("db",)),
    Check("da", "dL/da_t = g_t * h_{t-1}", 2, "main", ("da",)),
    Check("dh0", "dL/dh0 = a_1 * g_1", 2, "main", ("dh0",)),
    Check("long", f"T = {LONG} steps with |a| close to 1", 1, "long", ("da", "db", "dh0")),
    Check("parallel", f"in parallel: at most {MAX_LINES} lines of your code run for "
                      f"T = {LONG}", 2, "long", evaluate=_in_parallel),
)


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    main, long = v["main"], v["long"]
    probes = (Probe("main", STEPS, main, OUTPUTS), Probe("long", STEPS, long, OUTPUTS))

    def expected():
        return {"main": _expected(main), "long": _expected(long)}

    def variants():
        slips = (
            ({"recurrent": False}, "your gradients match the backward WITHOUT the recurrent "
                                   "term: g_t = dhs_t + a_{t+1} * g_{t+1}, accumulated from T "
                                   "down to 1"),
            ({"shifted": False}, "the reverse scan uses a_t where a_{t+1} belongs: h_{t+1} = "
                                 "a_{t+1} h_t + b_{t+1}, so the gradient reaching h_t from step "
                                 "t+1 is a_{t+1} * g_{t+1}: shift a by one step before "
                                 "scanning (with 0 after the last step)"),
            ({"h_prev": False}, "da uses h_t; h_t = a_t * h_{t-1} + b_t, so dL/da_t = g_t * "
                                "h_{t-1} (h0 for the first step)"),
            ({"a_first": False}, "dh0 is g_1; h_1 = a_1 * h0 + b_1, so dh0 = a_1 * g_1"),
        )
        return [Variant("main", reverse_scan(main, **kw), msg) for kw, msg in slips]

    return Exercise(
        name="linear_scan", title="Exercise 9: the backward pass of a linear recurrence, "
                                  "in parallel",
        chapter="chapters/13_linear_scan", probes=probes, checks=CHECKS,
        expected=functools.cache(expected), variants=functools.cache(variants),
        rules=(*reference_rules("scan"), PACKAGE_TORCH, *AUTOGRAD), count_lines=True,
        build=build, seed=seed)


EXERCISE = build(None)
