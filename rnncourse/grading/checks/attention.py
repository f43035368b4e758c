"""Exercise 8: additive (Bahdanau) attention, forward and backward, with a padding mask.

Expected values come from torch autograd applied to the same formulas: an
independent derivation of every gradient.
"""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import rng_for, with_prefix

N, S, HQ, HK, A = 2, 5, 3, 4, 6
GRAD_KEYS = ("W_q", "W_k", "v")


@functools.cache
def inputs():
    rng = rng_for("attention")
    mask = np.ones((N, S), dtype=bool)
    mask[0, 3:] = False  # sequence 0 has 3 real positions, sequence 1 has all 5
    return {"query": rng.standard_normal((N, HQ)), "keys": rng.standard_normal((N, S, HK)),
            "params": {"W_q": rng.normal(0, 0.7, (A, HQ)), "W_k": rng.normal(0, 0.7, (A, HK)),
                       "v": rng.normal(0, 1.0, A)},
            "mask": mask, "dcontext": rng.standard_normal((N, HK)),
            "what": "the first value returned by additive_attention_forward, (context, weights)"}


def _steps(masked):
    kwargs = {"mask": "mask"} if masked else {}
    return (Step("additive_attention_forward", ("query", "keys", "params"), ("out", "cache"),
                 kwargs),
            Step("helper:unpack_pair", ("out", "what"), ("context", "weights")),
            Step("additive_attention_backward", ("dcontext", "cache"),
                 ("dquery", "dkeys", "grads")))


PROBES = (
    Probe("plain", _steps(False), {k: v for k, v in inputs().items() if k != "mask"},
          ("context", "weights", "dquery", "dkeys", "grads")),
    Probe("masked", _steps(True), inputs(), ("context", "weights", "dquery", "dkeys", "grads")),
)

CHECKS = (
    Check("weights", "weights = softmax over S of tanh(q W_q^T + k W_k^T) v", 2, "plain",
          ("weights",)),
    Check("context", "context = sum_s weights_s k_s", 1, "plain", ("context",)),
    Check("masked_weights", "masked positions get weight 0, the rest sum to 1", 2, "masked",
          ("weights",)),
    Check("masked_context", "context with a mask", 1, "masked", ("context",)),
    Check("dquery", "dL/dquery (with a mask)", 1, "masked", ("dquery",)),
    Check("dkeys", "dL/dkeys: through the scores AND the weighted sum", 1, "masked",
          ("dkeys",)),
    Check("grads", "dL/dW_q, dL/dW_k, dL/dv", 2, "masked",
          tuple(f"grads.{k}" for k in GRAD_KEYS)),
)


def _torch(v, mask=None, softmax_axis=1, use_tanh=True, renormalise=True, ignore_mask=False,
           keys_in_scores=True, keys_in_context=True):
    """Forward and backward by autograd, the way a common mistake computes them."""
    import torch

    q = torch.tensor(v["query"], requires_grad=True)
    k = torch.tensor(v["keys"], requires_grad=True)
    p = {name: torch.tensor(val, requires_grad=True) for name, val in v["params"].items()}
    k_s = k if keys_in_scores else k.detach()
    pre = (q @ p["W_q"].T)[:, None, :] + k_s @ p["W_k"].T
    e = (torch.tanh(pre) if use_tanh else pre) @ p["v"]
    m = None if mask is None or ignore_mask else torch.tensor(mask)
    if m is not None and renormalise:
        e = e.masked_fill(~m, float("-inf"))
    w = torch.softmax(e, dim=softmax_axis)
    if m is not None and not renormalise:
        w = w * m
    k_c = k if keys_in_context else k.detach()
    context = (w[:, :, None] * k_c).sum(dim=1)
    (context * torch.tensor(v["dcontext"])).sum().backward()
    return {"context": context.detach().numpy(), "weights": w.detach().numpy(),
            "dquery": q.grad.numpy(), "dkeys": k.grad.numpy(),
            **{f"grads.{name}": t.grad.numpy() for name, t in p.items()}}


def _reference(v, mask=None):
    """The package's forward and hand-written backward of additive attention."""
    (context, weights), cache = ref.additive_attention_forward(v["query"], v["keys"],
                                                               v["params"], mask)
    dquery, dkeys, grads = ref.additive_attention_backward(v["dcontext"], cache)
    return {"context": context, "weights": weights, "dquery": dquery, "dkeys": dkeys,
            **with_prefix("grads", grads)}


@functools.cache
def expected():
    v = inputs()
    return {"plain": _reference(v), "masked": _reference(v, mask=v["mask"])}


def _pick(arrays, *names):
    return {n: arrays[n] for n in names}


@functools.cache
def variants():
    v, mask = inputs(), inputs()["mask"]
    out = [
        Variant("plain", _pick(_torch(v, softmax_axis=0), "weights"),
                "the softmax runs over the batch axis; it must run over the S positions of "
                "each sequence (axis=1), so each row of weights sums to 1"),
        Variant("plain", _pick(_torch(v, use_tanh=False), "weights"),
                "the scores are missing the tanh: e = tanh(q W_q^T + k W_k^T) v"),
        Variant("masked", _pick(_torch(v, mask=mask, ignore_mask=True), "weights"),
                "the mask is ignored: padded positions (mask False) must get weight 0; set "
                "their scores to -inf before the softmax"),
        Variant("masked", _pick(_torch(v, mask=mask, renormalise=False), "weights"),
                "you zeroed the masked weights after the softmax, so the rest no longer sum to "
                "1; mask the scores (-inf) before the softmax instead"),
        Variant("masked", _pick(_torch(v, mask=mask, keys_in_scores=False), "dkeys"),
                "dkeys only has the path through the weighted sum (weights_s * dcontext); "
                "keys also enter the scores e = tanh(q W_q^T + k W_k^T) v: add that path"),
        Variant("masked", _pick(_torch(v, mask=mask, keys_in_context=False), "dkeys"),
                "dkeys only has the path through the scores; add the direct path from "
                "context = sum_s weights_s k_s, which is weights_s * dcontext"),
    ]
    return out


EXERCISE = Exercise(
    name="attention", title="Exercise 8: additive attention forward and backward",
    chapter="chapters/12_seq2seq_attention", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"additive_attention_forward",
                                       "additive_attention_backward"})},
)
