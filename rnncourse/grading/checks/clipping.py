"""Exercise 3: clipping by per-layer norms (each layer's gradients scaled by their own norm).

Gradients are a dict keyed ``"<layer>.<parameter>"`` (``"rnn.weight_hh"``,
``"out.bias"``); a layer is everything before the first dot. Expected values are
computed here from the definition; the package clips by the global norm only.
"""

from __future__ import annotations

import functools

import numpy as np

from ..compare import get_output
from ..spec import Check, Exercise, Probe, Rule, Step, Variant, Verdict
from ._common import TORCH_CLIPPING, draw_sizes, reference_rules, rng_for

MAX_NORM = 1.0


def _inputs(seed):
    rng = rng_for("clipping", seed)
    d, h, v = draw_sizes(rng, seed, (3, 4, 5))
    shapes = {"embed.weight": (v, d), "rnn.weight_ih": (h, d), "rnn.weight_hh": (h, h),
              "rnn.bias_ih": (h,), "rnn.bias_hh": (h,), "out.weight": (v, h), "out.bias": (v,)}
    scales = {"embed": 0.02, "rnn": 1.5, "out": 0.05}  # only rnn above max_norm
    grads = {k: rng.normal(0, scales[k.split(".")[0]], s) for k, s in shapes.items()}
    with_zero = {**grads, "norm.weight": np.zeros(h), "norm.bias": np.zeros(h)}
    return {"grads": grads, "with_zero": with_zero, "max_norm": MAX_NORM}


def layer_of(key: str) -> str:
    return key.split(".", 1)[0]


def norms_by(grads, group=layer_of):
    """{group: sqrt of the sum of squares of its gradients}."""
    sums: dict[str, float] = {}
    for key, g in grads.items():
        sums[group(key)] = sums.get(group(key), 0.0) + float(np.sum(g * g))
    return {k: np.float64(np.sqrt(v)) for k, v in sums.items()}


def clip_by(grads, max_norm, group=layer_of, formula="min"):
    """Each group scaled by its own factor; ``formula`` names the right one and two slips."""
    norms = norms_by(grads, group)
    out = {}
    for key, g in grads.items():
        n = norms[group(key)]
        if formula == "min":
            scale = min(1.0, max_norm / n) if n > 0 else 1.0
        elif formula == "max":
            scale = 1.0 / max(n, max_norm)
        else:  # always rescale to max_norm
            scale = max_norm / n if n > 0 else 1.0
        out[key] = g * scale
    return out


def _prefixed(prefix, arrays):
    return {f"{prefix}.{k}": v for k, v in arrays.items()}


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    keys = tuple(v["grads"])
    probes = (
        Probe("norms", (Step("layer_norms", ("grads",), "norms"),), {"grads": v["grads"]},
              ("norms",)),
        Probe("clip", (Step("clip_by_layer_norm", ("grads", "max_norm"), "clipped"),),
              {"grads": v["grads"], "max_norm": MAX_NORM}, ("clipped", "grads")),
        Probe("zero", (Step("clip_by_layer_norm", ("with_zero", "max_norm"), "clipped"),),
              {"with_zero": v["with_zero"], "max_norm": MAX_NORM}, ("clipped",)),
    )
    layers = sorted({layer_of(k) for k in keys})

    def unchanged(result) -> Verdict:
        if result.error:  # a function that never ran has not earned this point
            return Verdict(False, result.error)
        for key in keys:
            got, problem = get_output(result, f"grads.{key}")
            if problem:
                return Verdict(False, problem)
            if got.shape != v["grads"][key].shape or not np.array_equal(got, v["grads"][key]):
                return Verdict(False, f"clip_by_layer_norm changed its input grads[{key!r}] in "
                                      f"place; return new arrays (g * scale) instead")
        return Verdict(True)

    checks = (
        Check("layer_norms", "one norm per layer (the name before the first dot), over all "
                             "its tensors", 3, "norms", tuple(f"norms.{k}" for k in layers)),
        Check("clip_large", "the rnn layer (norm > max_norm) is scaled to norm max_norm", 2,
              "clip", tuple(f"clipped.{k}" for k in keys if layer_of(k) == "rnn")),
        Check("clip_small", "layers with norm <= max_norm are left unchanged", 2, "clip",
              tuple(f"clipped.{k}" for k in keys if layer_of(k) != "rnn")),
        Check("no_side_effects", "the input dict is not modified", 1, "clip",
              evaluate=unchanged),
        Check("zero_layer", "a layer whose gradient is all zeros stays zero (no 0/0)", 2, "zero",
              ("clipped.norm.weight", "clipped.norm.bias")),
    )

    def expected():
        g, z = v["grads"], v["with_zero"]
        return {"norms": _prefixed("norms", norms_by(g)),
                "clip": {**_prefixed("clipped", clip_by(g, MAX_NORM)), **_prefixed("grads", g)},
                "zero": _prefixed("clipped", clip_by(z, MAX_NORM))}

    def variants():
        g = v["grads"]
        whole = {"all": np.float64(np.sqrt(sum(float(np.sum(x * x)) for x in g.values())))}
        out = [
            Variant("norms", _prefixed("norms", {k: np.float64(sum(np.linalg.norm(g[key])
                                                                   for key in keys
                                                                   if layer_of(key) == k))
                                                 for k in layers}),
                    "you summed the norms of a layer's tensors; a layer's norm is the square "
                    "root of the sum of ALL its squared entries: sqrt(sum_k ||g_k||^2)"),
            Variant("norms", _prefixed("norms", {k: n ** 2 for k, n in norms_by(g).items()}),
                    "you returned each layer's sum of squares; take its square root"),
            Variant("norms", _prefixed("norms", {k: whole["all"] for k in layers}),
                    "every layer got the global norm of all gradients; group them by layer "
                    "(the part of the key before the first dot)"),
        ]
        wrong = (
            (clip_by(g, MAX_NORM, group=lambda key: "all"),
             "you clipped by the GLOBAL norm (one factor for all layers); this exercise clips "
             "each layer by its own norm, so one exploding layer does not shrink the others"),
            (clip_by(g, MAX_NORM, group=lambda key: key),
             "you clipped each tensor by its own norm; a layer's tensors share one factor, "
             "computed from their joint norm"),
            (clip_by(g, MAX_NORM, formula="max"),
             "you computed g / max(||g||, c): that gives norm 1 (not max_norm) when it is "
             "large, and divides small gradients by max_norm. Use g * min(1, max_norm / ||g||)"),
            (clip_by(g, MAX_NORM, formula="always"),
             "every layer was rescaled to norm max_norm; a layer whose norm is already at most "
             "max_norm must stay unchanged: scale = min(1, max_norm / ||g_layer||)"),
            ({k: np.clip(x, -MAX_NORM, MAX_NORM) for k, x in g.items()},
             "you clipped each entry to [-max_norm, max_norm] (clipping by value, which changes "
             "the direction); scale each layer by one factor instead"),
        )
        out += [Variant("clip", _prefixed("clipped", arrays), msg) for arrays, msg in wrong]
        return out

    return Exercise(
        name="clipping", title="Exercise 3: clipping by per-layer gradient norms",
        chapter="chapters/04_vanishing_exploding", probes=probes, checks=checks,
        expected=functools.cache(expected), variants=functools.cache(variants),
        rules=(*reference_rules("optim", "clip_grad_norm", "clip_grad_value", "global_norm"),
               Rule("torch.nn.utils.clip_grad", TORCH_CLIPPING)),
        build=build, seed=seed)


EXERCISE = build(None)
