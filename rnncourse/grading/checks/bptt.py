"""Exercise 2: backpropagation through time over padded sequences (vanilla RNN with a mask).

At a padded step (mask False) the state is carried over unchanged, so the last state
of every row is the state after its last real step: what packing gives in chapter 10.
Expected values come from a loop over the reference's single step (forward and
backward); the package has no masked sequence function to copy.
"""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Rule, Step, Variant
from ._common import (
    AUTOGRAD,
    REFERENCE,
    TORCH_RECURRENT,
    draw_sizes,
    grad_checks,
    recurrent_params,
    reference_rules,
    rng_for,
    with_prefix,
)

PUBLIC_SIZES = (3, 6, 3, 4)  # N, T, D, H


def _inputs(seed):
    rng = rng_for("bptt", seed)
    n, t, d, h = draw_sizes(rng, seed, PUBLIC_SIZES)
    n, t = max(n, 3), max(t, 4)
    lengths = np.concatenate([[t], rng.integers(1, t, n - 1)])  # one full row, the rest padded
    mask = np.arange(t)[None, :] < lengths[:, None]
    return {"x": rng.standard_normal((n, t, d)), "h0": rng.standard_normal((n, h)),
            "params": recurrent_params(rng, 1, d, h, scale=0.6), "mask": mask,
            "full": np.ones((n, t), dtype=bool), "dhs": rng.standard_normal((n, t, h))}


def masked_bptt(v, mask, carry=True, recurrent=True, accumulate=True, pass_padded=True):
    """Forward and backward of the masked RNN, with the classic mistakes as switches.

    ``carry=False``: padded steps reset the state to 0 instead of keeping it;
    ``recurrent=False``: no gradient from step t+1; ``accumulate=False``: the weight
    gradients of the last processed step only; ``pass_padded=False``: the gradient stops
    at padded steps instead of flowing through the carried state.
    """
    x, p, dhs = v["x"], v["params"], v["dhs"]
    n, t = mask.shape
    h, hs, caches = v["h0"], [], []
    for k in range(t):
        h_new, cache = ref.rnn_step_forward(x[:, k], h, p)
        m = mask[:, k, None]
        h = np.where(m, h_new, h if carry else 0.0)
        hs.append(h)
        caches.append(cache)
    grads = {key: np.zeros_like(val) for key, val in p.items()}
    dx, dh_next = np.zeros_like(x), np.zeros_like(v["h0"])
    for k in reversed(range(t)):
        g = dhs[:, k] + (dh_next if recurrent else 0.0)
        m = mask[:, k, None]
        dx_k, dh_prev, step = ref.rnn_step_backward(np.where(m, g, 0.0), caches[k])
        dx[:, k] = dx_k
        kept = g if pass_padded and carry else 0.0
        dh_next = np.where(m, dh_prev, kept)
        for key in grads:
            grads[key] = grads[key] + step[key] if accumulate else step[key]
    return {"hs": np.stack(hs, axis=1), "dx": dx, "dh0": dh_next,
            **with_prefix("grads", grads)}


STEPS = (Step("masked_rnn_forward", ("x", "h0", "mask", "params"), ("hs", "cache")),
         Step("masked_rnn_backward", ("dhs", "cache"), ("dx", "dh0", "grads")))
OUTPUTS = ("hs", "dx", "dh0", "grads")

CHECKS = (
    Check("forward_full", "without padding: the plain RNN's states, shape (N, T, H)", 2, "full",
          ("hs",)),
    Check("forward_padded", "at a padded step the state is carried over unchanged", 2,
          "masked", ("hs",)),
    Check("backward_dx", "dL/dx: zero at padded steps, BPTT elsewhere", 1, "masked", ("dx",)),
    Check("backward_dh0", "dL/dh0, through real and padded steps", 2, "masked", ("dh0",)),
    *grad_checks("masked", points=(1, 1, 1), summed_over="the real steps and the batch"),
)


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    probes = (Probe("full", STEPS, {k: v[k] for k in ("x", "h0", "params", "dhs")}
                    | {"mask": v["full"]}, OUTPUTS),
              Probe("masked", STEPS, {k: v[k] for k in ("x", "h0", "params", "dhs", "mask")},
                    OUTPUTS))

    def expected():
        return {"full": masked_bptt(v, v["full"]), "masked": masked_bptt(v, v["mask"])}

    def variants():
        mask, grads_only = v["mask"], ("grads.weight_ih", "grads.weight_hh", "grads.bias_ih",
                                       "grads.bias_hh")
        ignored = masked_bptt(v, v["full"])
        no_carry = masked_bptt(v, mask, carry=False)
        return [
            Variant("masked", {"hs": ignored["hs"]},
                    "the mask is ignored: at a padded step (mask False) the state must stay "
                    "what it was, h_t = h_{t-1}, not take another RNN step over the padding"),
            Variant("masked", {"hs": no_carry["hs"]},
                    "padded steps set the state to 0; they must carry it over unchanged, so "
                    "that the last state of a row is its state after its last real step"),
            Variant("masked", {k: val for k, val in masked_bptt(v, mask, recurrent=False).items()
                               if k != "hs"},
                    "your gradients match BPTT WITHOUT the recurrent term: dL/dh_t is dhs[:, t] "
                    "PLUS what flows back from step t+1; carry it backwards through the loop"),
            Variant("masked", {k: val for k, val in masked_bptt(v, mask, pass_padded=False).items()
                               if k in ("dh0", *grads_only)},
                    "the gradient stops at padded steps: there h_t = h_{t-1}, so dL/dh_{t-1} "
                    "receives all of dL/dh_t (the identity), not 0"),
            Variant("masked", {k: val for k, val in masked_bptt(v, mask, accumulate=False).items()
                               if k in grads_only},
                    "the weight gradients hold one time step only: every step uses the same "
                    "weights, so add (+=) each step's contribution"),
            Variant("masked", {k: ignored[k] for k in ("dx", "dh0", *grads_only)},
                    "the backward ignores the mask: padded steps took no RNN step, so they "
                    "contribute no gradient to x or the weights"),
        ]

    return Exercise(
        name="bptt", title="Exercise 2: backpropagation through time over padded sequences",
        chapter="chapters/03_bptt", probes=probes, checks=CHECKS,
        expected=functools.cache(expected), variants=functools.cache(variants),
        rules=(*reference_rules("rnn", "rnn_forward", "rnn_backward"),
               *reference_rules("cells", "sequence_forward", "sequence_backward"),
               Rule("rnncourse.apps.min_char_rnn", REFERENCE), *TORCH_RECURRENT, *AUTOGRAD),
        build=build, seed=seed)


EXERCISE = build(None)
