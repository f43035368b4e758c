"""Exercise 3: the global gradient norm, clipping by it, and measuring exploding gradients."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref
from rnncourse.reference import PARAM_NAMES

from ..compare import get_output
from ..spec import Check, Exercise, Probe, Step, Variant, Verdict
from ._common import rng_for

N, T, H = 3, 8, 4
MAX_NORM = 5.0


@functools.cache
def inputs():
    rng = rng_for("clipping")
    grads = {"weight_ih": rng.normal(0, 2, (H, 3)), "weight_hh": rng.normal(0, 2, (H, H)),
             "bias_ih": rng.normal(0, 2, H), "bias_hh": rng.normal(0, 2, H)}
    small = {k: v * 0.01 for k, v in grads.items()}
    w = rng.normal(0, 1.2, (H, H))  # a recurrent matrix with a large spectral radius
    hs = np.tanh(rng.normal(0, 0.3, (N, T, H)))
    return {"grads": grads, "small": small, "max_norm": MAX_NORM,
            "hs": hs, "weight_hh": w, "dh_last": rng.standard_normal((N, H))}


def _subset(*names):
    return {k: inputs()[k] for k in names}


PROBES = (
    Probe("norm", (Step("global_norm", ("grads",), "norm"),), _subset("grads"), ("norm",)),
    Probe("clip_big", (Step("clip_by_global_norm", ("grads", "max_norm"), "clipped"),),
          _subset("grads", "max_norm"), ("clipped", "grads")),
    Probe("clip_small", (Step("clip_by_global_norm", ("small", "max_norm"), "clipped"),),
          _subset("small", "max_norm"), ("clipped",)),
    Probe("backflow", (Step("hidden_grad_norms", ("dh_last", "hs", "weight_hh"), "norms"),),
          _subset("dh_last", "hs", "weight_hh"), ("norms",)),
)


CLIPPED = tuple(f"clipped.{k}" for k in PARAM_NAMES)


def _unchanged(result) -> Verdict:
    if result.error:  # a function that never ran has not earned this point
        return Verdict(False, result.error)
    for key in PARAM_NAMES:
        got, problem = get_output(result, f"grads.{key}")
        if problem:
            return Verdict(False, problem)
        if got.shape != inputs()["grads"][key].shape or not np.array_equal(
                got, inputs()["grads"][key]):
            return Verdict(False, f"clip_by_global_norm changed its input grads[{key!r}] in "
                                  f"place; return new arrays (g * scale) instead")
    return Verdict(True)


CHECKS = (
    Check("global_norm", "sqrt of the sum of squares of ALL gradient entries", 2, "norm",
          ("norm",)),
    Check("clip_large", "a gradient with norm > max_norm is scaled to norm max_norm", 3,
          "clip_big", CLIPPED),
    Check("clip_small", "a gradient with norm <= max_norm is left unchanged", 2, "clip_small",
          CLIPPED),
    Check("no_side_effects", "the input dict is not modified", 1, "clip_big",
          evaluate=_unchanged),
    Check("hidden_grad_norms", "||dL/dh_t|| for every step t, flowing back from the last", 2,
          "backflow", ("norms",)),
)


def _backflow(v, deriv=True, transpose=False):
    w = v["weight_hh"].T if transpose else v["weight_hh"]
    dh, norms = v["dh_last"], np.zeros(T)
    for t in reversed(range(T)):
        norms[t] = np.linalg.norm(dh)
        dh = (dh * (1 - v["hs"][:, t] ** 2) if deriv else dh) @ w
    return norms


@functools.cache
def expected():
    v = inputs()
    g, small, c = v["grads"], v["small"], v["max_norm"]
    clipped = {k: g[k].copy() for k in PARAM_NAMES}
    ref.clip_grad_norm(clipped, c)
    return {
        "norm": {"norm": np.float64(ref.global_norm(g))},
        "clip_big": {**{f"clipped.{k}": clipped[k] for k in PARAM_NAMES},
                     **{f"grads.{k}": g[k] for k in PARAM_NAMES}},
        "clip_small": {f"clipped.{k}": small[k] for k in PARAM_NAMES},
        "backflow": {"norms": _backflow(v)},
    }


def _clip_variants(probe, grads, c):
    norm = ref.global_norm(grads)
    wrong = {
        "g / max(||g||, c)": ({k: g / max(norm, c) for k, g in grads.items()},
                              "you computed g / max(||g||, c): that gives the gradient norm 1 "
                              "(not max_norm) when it is large, and divides small gradients "
                              "by max_norm. Clip with g * min(1, max_norm / ||g||)"),
        "per tensor": ({k: g * min(1.0, c / np.linalg.norm(g)) for k, g in grads.items()},
                       "you clipped each tensor by its own norm; clip all of them together "
                       "by their GLOBAL norm (one scale factor), which keeps the direction"),
        "by value": ({k: np.clip(g, -c, c) for k, g in grads.items()},
                     "you clipped each entry to [-max_norm, max_norm] (clipping by value, "
                     "which changes the direction); clip by the global norm instead"),
    }
    return [Variant(probe, {f"clipped.{k}": v for k, v in arrays.items()}, msg)
            for arrays, msg in wrong.values()]


@functools.cache
def variants():
    v = inputs()
    g = v["grads"]
    per_tensor = sum(np.linalg.norm(x) for x in g.values())
    out = [
        Variant("norm", {"norm": np.float64(per_tensor)},
                "you summed the norms of the tensors; the global norm is the square root of "
                "the sum of ALL squared entries: sqrt(sum_k ||g_k||^2)"),
        Variant("norm", {"norm": np.float64(ref.global_norm(g) ** 2)},
                "you returned the sum of squares; take its square root"),
        Variant("norm", {"norm": np.float64(max(np.linalg.norm(x) for x in g.values()))},
                "you returned the largest tensor norm; the global norm combines all tensors: "
                "sqrt(sum_k ||g_k||^2)"),
    ]
    out += _clip_variants("clip_big", g, v["max_norm"])
    out += _clip_variants("clip_small", v["small"], v["max_norm"])
    out += [
        Variant("backflow", {"norms": _backflow(v, deriv=False)},
                "the norms ignore the tanh derivative: each step back multiplies by "
                "diag(1 - h_t^2) before W_hh"),
        Variant("backflow", {"norms": _backflow(v, transpose=True)},
                "you multiplied by W_hh^T; the backward of h_{t-1} W_hh^T is (...) W_hh"),
        Variant("backflow", {"norms": _backflow(v)[::-1]},
                "the norms are in reverse order: norms[t] must belong to step t, so "
                "norms[-1] = ||dh_last||"),
    ]
    return out


EXERCISE = Exercise(
    name="clipping", title="Exercise 3: gradient clipping and exploding gradients",
    chapter="chapters/04_vanishing_exploding", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"clip_grad_norm", "clip_grad_value"}),
               "torch": frozenset({"clip_grad_norm_", "clip_grad_norm", "clip_grads_with_norm_",
                                   "get_total_norm"})},
)
