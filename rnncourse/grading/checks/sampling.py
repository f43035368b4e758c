"""Exercise 7: sampling the next token with a temperature and top-k filtering."""

from __future__ import annotations

import functools

import numpy as np

from ..spec import Check, Exercise, Probe, Step, Variant, Verdict
from ._common import rng_for

N, V = 3, 8


@functools.cache
def inputs():
    rng = rng_for("sampling")
    logits = rng.normal(0, 2, (N, V))
    probs = rng.dirichlet(np.ones(V), N)
    cdf = np.cumsum(probs, axis=1)
    # uniforms safely inside a bucket of the cumulative distribution (no ties at the edges)
    k = rng.integers(0, V, N)
    lo = np.where(k > 0, cdf[np.arange(N), k - 1], 0.0)
    u = lo + 0.5 * (cdf[np.arange(N), k] - lo)
    return {"logits": logits, "big": logits * 500, "probs": probs, "u": u}


def _dist(probe, temperature, top_k, logits="logits"):
    return Probe(probe, (Step("sampling_distribution", (logits, "temperature", "top_k"), "p"),),
                 {logits: inputs()[logits], "temperature": temperature, "top_k": top_k}, ("p",))


PROBES = (
    _dist("t1", 1.0, None), _dist("t05", 0.5, None), _dist("t2", 2.0, None),
    _dist("big", 1.0, None, logits="big"), _dist("topk", 1.0, 3), _dist("topk_t", 0.7, 2),
    _dist("t0", 0.0, None),
    Probe("sample", (Step("sample_index", ("probs", "u"), "idx"),),
          {"probs": inputs()["probs"], "u": inputs()["u"]}, ("idx",)),
)


def _raises_value_error(result) -> Verdict:
    if result.error and "raised ValueError" in result.error:
        return Verdict(True)
    got = result.error or "it returned without an error"
    return Verdict(False, f"temperature=0 should raise a ValueError with a clear message "
                          f"(dividing by 0 gives inf/NaN; greedy decoding is argmax); {got}")


CHECKS = (
    Check("temperature_1", "temperature 1: the softmax of the logits", 1, "t1", ("p",)),
    Check("temperature_low", "temperature 0.5 sharpens: softmax(z / T)", 2, "t05", ("p",)),
    Check("temperature_high", "temperature 2 flattens", 1, "t2", ("p",)),
    Check("stable", "logits of size ~1000 give no overflow", 1, "big", ("p",)),
    Check("top_k", "top_k=3 keeps the 3 largest, renormalised", 2, "topk", ("p",)),
    Check("top_k_temperature", "top_k=2 with temperature 0.7", 1, "topk_t", ("p",)),
    Check("bad_temperature", "temperature 0 raises ValueError", 1, "t0",
          evaluate=_raises_value_error),
    Check("sample_index", "inverse-CDF sampling: first index with cumsum > u", 1, "sample",
          ("idx",)),
)


def _reference(logits, temperature, top_k):
    """The package's own next-character distribution (temperature, then top-k)."""
    import torch

    from rnncourse.apps.charlm import next_char_probs

    return next_char_probs(torch.tensor(logits), temperature, top_k).numpy()


@functools.cache
def expected():
    v = inputs()
    out = {p.id: {"p": _reference(p.inputs.get("logits", p.inputs.get("big")),
                                  p.inputs["temperature"], p.inputs["top_k"])}
           for p in PROBES if p.id not in ("t0", "sample")}
    idx = (np.cumsum(v["probs"], axis=1) > v["u"][:, None]).argmax(axis=1)
    return {**out, "t0": {}, "sample": {"idx": idx.astype(np.int64)}}


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _keep(z, k, largest=True):
    order = np.argsort(-z if largest else z, axis=1)[:, :k]
    mask = np.zeros_like(z, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


@functools.cache
def variants():
    z = inputs()["logits"]
    out = []
    for probe, t in (("t05", 0.5), ("t2", 2.0)):
        out.append(Variant(probe, {"p": _softmax(z * t)},
                           "you multiplied the logits by the temperature; divide them: "
                           "softmax(z / T), so that T < 1 sharpens and T > 1 flattens"))
    for probe, t, k in (("topk", 1.0, 3), ("topk_t", 0.7, 2)):
        p = _softmax(z / t)
        out.append(Variant(probe, {"p": p * _keep(z, k)},
                           "after zeroing all but the top k, renormalise so the kept "
                           "probabilities sum to 1 (or set the other logits to -inf before "
                           "the softmax)"))
        for wrong_k in (k - 1, k + 1):
            out.append(Variant(probe, {"p": _softmax(np.where(_keep(z, wrong_k), z / t, -np.inf))},
                               f"you kept {wrong_k} tokens instead of top_k={k}: an "
                               f"off-by-one in the cut-off"))
        out.append(Variant(probe, {"p": _softmax(np.where(_keep(z, k, largest=False), z / t,
                                                          -np.inf))},
                           "you kept the k SMALLEST logits; keep the k largest"))
    v = inputs()
    idx = (np.cumsum(v["probs"], axis=1) > v["u"][:, None]).argmax(axis=1)
    out.append(Variant("sample", {"idx": idx + 1},
                       "off by one: the sample is the first index whose cumulative "
                       "probability exceeds u (np.searchsorted(cdf, u, side='right'))"))
    return out


EXERCISE = Exercise(
    name="sampling", title="Exercise 7: sampling with temperature and top-k",
    chapter="chapters/09_char_lm", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"softmax", "log_softmax", "next_char_probs"}),
               "torch": frozenset({"softmax", "topk", "multinomial"})},
)
