"""Exercise 7: sampling the next token with a temperature and nucleus (top-p) filtering.

Chapter 9 prints its sampler with top-k; here the cut-off is the nucleus: the fewest
most likely tokens whose probabilities reach p. Expected values are computed here.
"""

from __future__ import annotations

import functools

import numpy as np

from ..spec import Check, Exercise, Probe, Rule, Step, Variant, Verdict
from ._common import REFERENCE, draw_sizes, reference_rules, rng_for

PUBLIC_SIZES = (3, 8)  # N, V


def _inputs(seed):
    rng = rng_for("sampling", seed)
    n, v = draw_sizes(rng, seed, PUBLIC_SIZES, low=3, high=12)
    logits = rng.normal(0, 2, (n, v))
    probs = rng.dirichlet(np.ones(v), n)
    cdf = np.cumsum(probs, axis=1)
    # uniforms safely inside a bucket of the cumulative distribution (no ties at the edges)
    k = rng.integers(0, v, n)
    lo = np.where(k > 0, cdf[np.arange(n), k - 1], 0.0)
    u = lo + 0.5 * (cdf[np.arange(n), k] - lo)
    return {"logits": logits, "big": logits * 500, "probs": probs, "u": u}


def _raises_value_error(result) -> Verdict:
    if result.error and "raised ValueError" in result.error:
        return Verdict(True)
    got = result.error or "it returned without an error"
    return Verdict(False, f"a negative temperature should raise a ValueError with a clear "
                          f"message (it would turn the distribution upside down); {got}")


CHECKS = (
    Check("temperature_1", "temperature 1: the softmax of the logits", 1, "t1", ("p",)),
    Check("temperature_low", "temperature 0.5 sharpens: softmax(z / T)", 1, "t05", ("p",)),
    Check("temperature_high", "temperature 2 flattens", 1, "t2", ("p",)),
    Check("greedy", "temperature 0 is greedy: all probability on the argmax", 1, "t0",
          ("p",)),
    Check("stable", "logits of size ~1000 give no overflow", 1, "big", ("p",)),
    Check("top_p", "top_p=0.8 keeps the smallest set of likeliest tokens reaching 0.8", 2,
          "topp", ("p",)),
    Check("top_p_temperature", "top_p=0.6 on the distribution at temperature 0.7", 1,
          "topp_t", ("p",)),
    Check("bad_temperature", "a negative temperature raises ValueError", 1, "negative",
          evaluate=_raises_value_error),
    Check("sample_index", "inverse-CDF sampling: first index with cumsum > u", 1, "sample",
          ("idx",)),
)


def _index(probs, u):
    return (np.cumsum(probs, axis=1) > u[:, None]).argmax(axis=1)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def nucleus(z, temperature, top_p, crossing=True, renormalise=True, largest=True):
    """softmax(z / T) restricted to its nucleus; the switches compute common mistakes:
    ``crossing=False`` drops the token that crosses top_p, ``largest=False`` sorts the
    wrong way, ``renormalise=False`` leaves the kept probabilities unscaled."""
    if temperature == 0:
        return np.eye(z.shape[1])[z.argmax(axis=1)]
    p = _softmax(z / temperature)
    if top_p is None:
        return p
    order = np.argsort(-p if largest else p, axis=1)
    sorted_p = np.take_along_axis(p, order, axis=1)
    before = np.cumsum(sorted_p, axis=1) - sorted_p  # probability of the likelier tokens
    keep_sorted = before < top_p if crossing else before + sorted_p <= top_p
    keep_sorted[:, 0] |= crossing  # the likeliest token is always kept
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=1)
    kept = np.where(keep, p, 0.0)
    if not renormalise:
        return kept
    total = kept.sum(axis=1, keepdims=True)  # 0 only for a slip that keeps nothing
    return np.divide(kept, total, out=np.zeros_like(kept), where=total > 0)


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)

    def dist(probe, temperature, top_p, logits="logits"):
        return Probe(probe, (Step("sampling_distribution", (logits, "temperature", "top_p"),
                                  "p"),),
                     {logits: v[logits], "temperature": temperature, "top_p": top_p}, ("p",))

    probes = (
        dist("t1", 1.0, None), dist("t05", 0.5, None), dist("t2", 2.0, None),
        dist("big", 1.0, None, logits="big"), dist("topp", 1.0, 0.8), dist("topp_t", 0.7, 0.6),
        dist("t0", 0.0, None), dist("negative", -1.0, None),
        Probe("sample", (Step("sample_index", ("probs", "u"), "idx"),),
              {"probs": v["probs"], "u": v["u"]}, ("idx",)),
    )

    def expected():
        out = {p.id: {"p": nucleus(p.inputs.get("logits", p.inputs.get("big")),
                                   p.inputs["temperature"], p.inputs["top_p"])}
               for p in probes if p.id not in ("negative", "sample")}
        return {**out, "negative": {}, "sample": {"idx": _index(v["probs"], v["u"])}}

    def variants():
        z = v["logits"]
        out = []
        for probe, t in (("t05", 0.5), ("t2", 2.0)):
            out.append(Variant(probe, {"p": _softmax(z * t)},
                               "you multiplied the logits by the temperature; divide them: "
                               "softmax(z / T), so that T < 1 sharpens and T > 1 flattens"))
        out.append(Variant("t0", {"p": np.full_like(z, 1.0 / z.shape[1])},
                           "temperature 0 gave the uniform distribution; it is the limit "
                           "T -> 0, greedy decoding: probability 1 on the largest logit"))
        for probe, t, top_p in (("topp", 1.0, 0.8), ("topp_t", 0.7, 0.6)):
            slips = (
                ({"renormalise": False}, "after zeroing the tokens outside the nucleus, "
                                         "renormalise so the kept probabilities sum to 1"),
                ({"crossing": False}, "the nucleus misses the token that crosses top_p: keep "
                                      "every token whose LIKELIER tokens sum to less than p, "
                                      "so that the kept ones reach p"),
                ({"largest": False}, "you kept the LEAST likely tokens; sort the "
                                     "probabilities in decreasing order first"),
            )
            out += [Variant(probe, {"p": nucleus(z, t, top_p, **kw)}, msg) for kw, msg in slips]
        out.append(Variant("topp_t", {"p": _softmax(np.where(nucleus(z, 1.0, 0.6) > 0, z / 0.7,
                                                             -np.inf))},
                           "you chose the nucleus before applying the temperature; the "
                           "temperature changes the distribution, so choose the nucleus of "
                           "softmax(z / T)"))
        out.append(Variant("sample", {"idx": _index(v["probs"], v["u"]) + 1},
                           "off by one: the sample is the first index whose cumulative "
                           "probability exceeds u (np.searchsorted(cdf, u, side='right'))"))
        return out

    return Exercise(
        name="sampling", title="Exercise 7: sampling with temperature and top-p",
        chapter="chapters/09_char_lm", probes=probes, checks=CHECKS,
        expected=functools.cache(expected), variants=functools.cache(variants),
        rules=(Rule("rnncourse.apps.charlm:next_char_probs", REFERENCE),
               Rule("rnncourse.apps.charlm:generate", REFERENCE),
               *reference_rules("activations", "softmax", "log_softmax")),
        needs_torch=False, build=build, seed=seed)


EXERCISE = build(None)
