"""Exercise 8: multiplicative (Luong "general") attention, forward and backward, with a mask.

Scores e_ns = q_n W k_ns^T (W of shape (Hq, Hk)), weights a = softmax over s with
masked positions excluded, context c_n = sum_s a_ns k_ns. Expected values come from
the closed-form backward here; the package implements the additive form only. The
tests check these formulas against finite differences.
"""

from __future__ import annotations

import functools

import numpy as np

from ..spec import Check, Exercise, Probe, Rule, Step, Variant
from ._common import AUTOGRAD, REFERENCE, draw_sizes, reference_rules, rng_for

PUBLIC_SIZES = (2, 5, 3, 4)  # N, S, Hq, Hk


def _inputs(seed):
    rng = rng_for("attention", seed)
    n, s, hq, hk = draw_sizes(rng, seed, PUBLIC_SIZES)
    n, s = max(n, 2), max(s, 3)
    mask = np.ones((n, s), dtype=bool)
    mask[0, int(rng.integers(1, s)):] = False  # sequence 0 is padded, the others are not
    return {"query": rng.standard_normal((n, hq)), "keys": rng.standard_normal((n, s, hk)),
            "W": rng.normal(0, 0.7, (hq, hk)), "mask": mask,
            "dcontext": rng.standard_normal((n, hk)),
            "what": "the first value returned by luong_attention_forward, (context, weights)"}


def luong(v, mask=None, softmax_axis=1, renormalise=True, keys_in_scores=True,
          keys_in_context=True):
    """Forward and hand-derived backward; the switches compute common mistakes."""
    q, k, w, dc = v["query"], v["keys"], v["W"], v["dcontext"]
    qw = q @ w                                    # (N, Hk)
    e = np.einsum("nh,nsh->ns", qw, k)
    if mask is not None and renormalise:
        e = np.where(mask, e, -np.inf)
    z = np.exp(e - e.max(axis=softmax_axis, keepdims=True))
    a = z / z.sum(axis=softmax_axis, keepdims=True)
    if mask is not None and not renormalise:
        a = a * mask
    context = np.einsum("ns,nsh->nh", a, k)
    da = np.einsum("nh,nsh->ns", dc, k)
    de = a * (da - np.sum(a * da, axis=1, keepdims=True))
    ek = np.einsum("ns,nsh->nh", de, k)           # sum_s de_ns k_ns
    dkeys = np.zeros_like(k)
    if keys_in_context:
        dkeys = dkeys + a[:, :, None] * dc[:, None, :]
    if keys_in_scores:
        dkeys = dkeys + de[:, :, None] * qw[:, None, :]
    return {"context": context, "weights": a, "dquery": ek @ w.T, "dkeys": dkeys,
            "dW": q.T @ ek}


def _pick(arrays, *names):
    return {n: arrays[n] for n in names}


def _steps(masked):
    kwargs = {"mask": "mask"} if masked else {}
    return (Step("luong_attention_forward", ("query", "keys", "W"), ("out", "cache"), kwargs),
            Step("helper:unpack_pair", ("out", "what"), ("context", "weights")),
            Step("luong_attention_backward", ("dcontext", "cache"), ("dquery", "dkeys", "dW")))


OUTPUTS = ("context", "weights", "dquery", "dkeys", "dW")
CHECKS = (
    Check("weights", "weights = softmax over S of the scores q W k^T", 2, "plain", ("weights",)),
    Check("context", "context = sum_s weights_s k_s", 1, "plain", ("context",)),
    Check("masked_weights", "masked positions get weight 0, the rest sum to 1", 1, "masked",
          ("weights",)),
    Check("dquery", "dL/dquery (with a mask)", 2, "masked", ("dquery",)),
    Check("dkeys", "dL/dkeys: through the scores AND the weighted sum", 2, "masked",
          ("dkeys",)),
    Check("dW", "dL/dW", 2, "masked", ("dW",)),
)


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    probes = (Probe("plain", _steps(False), {k: x for k, x in v.items() if k != "mask"},
                    OUTPUTS),
              Probe("masked", _steps(True), v, OUTPUTS))

    def expected():
        return {"plain": luong(v), "masked": luong(v, mask=v["mask"])}

    def variants():
        mask = v["mask"]
        return [
            Variant("plain", _pick(luong(v, softmax_axis=0), "weights"),
                    "the softmax runs over the batch axis; it must run over the S positions of "
                    "each sequence (axis=1), so each row of weights sums to 1"),
            Variant("masked", _pick(luong(v), "weights"),
                    "the mask is ignored: padded positions (mask False) must get weight 0; set "
                    "their scores to -inf before the softmax"),
            Variant("masked", _pick(luong(v, mask=mask, renormalise=False), "weights"),
                    "you zeroed the masked weights after the softmax, so the rest no longer "
                    "sum to 1; mask the scores (-inf) before the softmax instead"),
            Variant("masked", _pick(luong(v, mask=mask, keys_in_scores=False), "dkeys"),
                    "dkeys only has the path through the weighted sum (a_ns c-bar_n); keys "
                    "also enter the scores e_ns = (q_n W) . k_ns: add e-bar_ns (q_n W)"),
            Variant("masked", _pick(luong(v, mask=mask, keys_in_context=False), "dkeys"),
                    "dkeys only has the path through the scores; add the direct path from "
                    "c_n = sum_s a_ns k_ns, which is a_ns c-bar_n"),
        ]

    return Exercise(
        name="attention", title="Exercise 8: multiplicative attention forward and backward",
        chapter="chapters/12_seq2seq_attention", probes=probes, checks=CHECKS,
        expected=functools.cache(expected), variants=functools.cache(variants),
        rules=(*reference_rules("attention"), Rule("rnncourse.apps.translate", REFERENCE),
               *AUTOGRAD),
        build=build, seed=seed)


EXERCISE = build(None)
