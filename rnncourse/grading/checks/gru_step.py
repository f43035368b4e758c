"""Exercise 5: one step of the minimal gated unit (a GRU whose reset and update gates are one).

In PyTorch's GRU form with a single gate f (Zhou et al. 2016's MGU): f resets the
recurrent contribution to the candidate and interpolates the state,

    f = sigmoid(x W_if^T + b_if + h_prev W_hf^T + b_hf)
    n = tanh(x W_in^T + b_in + f * (h_prev W_hn^T + b_hn))
    h = (1 - f) * n + f * h_prev

with weight_ih (2H, D) and weight_hh (2H, H) stacked f, n. Chapter 6 prints the GRU
with two gates; expected values come from the step written out here, whose backward
the tests check against finite differences.
"""

from __future__ import annotations

import functools

import numpy as np

from rnncourse.reference import sigmoid

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import (
    AUTOGRAD,
    PACKAGE_TORCH,
    TORCH_RECURRENT,
    draw_sizes,
    grad_checks,
    recurrent_params,
    reference_rules,
    rng_for,
    with_prefix,
)

PUBLIC_SIZES = (3, 4, 5)  # N, D, H


def _inputs(seed):
    rng = rng_for("gru_step", seed)
    n, d, h = draw_sizes(rng, seed, PUBLIC_SIZES)
    return {"x": rng.standard_normal((n, d)), "h_prev": rng.standard_normal((n, h)),
            "params": recurrent_params(rng, 2, d, h), "dh": rng.standard_normal((n, h))}


def mgu_step(v, swap=False, reset_before=False, order="fn", direct=True, through_n=True):
    """Forward and backward of the step; the switches compute common mistakes.

    ``swap``: f and 1 - f exchanged; ``reset_before``: f multiplies h_prev inside the
    matrix product (Cho et al.'s placement); ``order="nf"``: the blocks read the other
    way round; ``direct=False``: dh_prev misses dh * f; ``through_n=False``: the gate's
    gradient misses its path through the candidate.
    """
    p, x, hp = v["params"], v["x"], v["h_prev"]
    ax = dict(zip(order, np.split(x @ p["weight_ih"].T + p["bias_ih"], 2, axis=1), strict=True))
    w_hh = dict(zip(order, np.split(p["weight_hh"], 2), strict=True))
    b_hh = dict(zip(order, np.split(p["bias_hh"], 2), strict=True))
    f = sigmoid(ax["f"] + hp @ w_hh["f"].T + b_hh["f"])
    u = (f * hp) @ w_hh["n"].T + b_hh["n"] if reset_before else hp @ w_hh["n"].T + b_hh["n"]
    n = np.tanh(ax["n"] + (u if reset_before else f * u))
    keep, write = (1 - f, f) if swap else (f, 1 - f)
    h = write * n + keep * hp
    dh = v["dh"]
    da_n = dh * write * (1 - n ** 2)
    df = dh * (hp - n) * (-1 if swap else 1)
    if through_n:
        df = df + da_n * u
    da_f = df * f * (1 - f)
    du = da_n * f
    blocks = {"f": da_f, "n": da_n}
    delta_x = np.concatenate([blocks[k] for k in order], axis=1)
    delta_h = np.concatenate([{"f": da_f, "n": du}[k] for k in order], axis=1)
    dh_prev = delta_h @ p["weight_hh"] + (dh * keep if direct else 0.0)
    grads = {"weight_ih": delta_x.T @ x, "weight_hh": delta_h.T @ hp,
             "bias_ih": delta_x.sum(axis=0), "bias_hh": delta_h.sum(axis=0)}
    return {"h": h, "dx": delta_x @ p["weight_ih"], "dh_prev": dh_prev,
            **with_prefix("grads", grads)}


CHECKS = (
    Check("forward_h", "h = (1 - f) * n + f * h_prev, n = tanh(... + f * (W_hn h + b_hn))", 3,
          "step", ("h",)),
    Check("backward_dx", "dL/dx", 1, "step", ("dx",)),
    Check("backward_dh_prev", "dL/dh_prev (direct path f * dh plus the gate)", 2, "step",
          ("dh_prev",)),
    *grad_checks("step", points=(1, 2, 1)),
)


def _pick(arrays, *names):
    return {n: arrays[n] for n in names}


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    probes = (Probe("step", (
        Step("mgu_step_forward", ("x", "h_prev", "params"), ("h", "cache")),
        Step("mgu_step_backward", ("dh", "cache"), ("dx", "dh_prev", "grads")),
    ), v, ("h", "dx", "dh_prev", "grads")),)

    def variants():
        forward = (
            ({"swap": True}, "f and 1 - f are swapped: like the GRU's update gate, f keeps the "
                             "old state, h = (1 - f) * n + f * h_prev"),
            ({"reset_before": True}, "f is applied before the matrix product, f * h_prev "
                                     "inside W_hn (Cho et al.'s placement); this step applies "
                                     "it after, like PyTorch's GRU: f * (h_prev W_hn^T + b_hn)"),
            ({"order": "nf"}, "the f and n blocks are swapped: the rows are stacked f, n "
                              "([0:H] the gate, [H:2H] the candidate)"),
        )
        out = [Variant("step", _pick(mgu_step(v, **kw), "h"), msg) for kw, msg in forward]
        out += [
            Variant("step", _pick(mgu_step(v, direct=False), "dh_prev"),
                    "dh_prev misses the direct path: h depends on h_prev through f * h_prev as "
                    "well as through the gate and the candidate, so add dh * f"),
            Variant("step", _pick(mgu_step(v, through_n=False), "dx", "dh_prev",
                                  "grads.weight_ih", "grads.weight_hh"),
                    "the gate's gradient misses its path through the candidate: f also "
                    "scales u = h_prev W_hn^T + b_hn inside n, so add delta_n * u to dL/df"),
        ]
        return out

    return Exercise(
        name="gru_step", title="Exercise 5: a minimal gated unit step, forward and backward",
        chapter="chapters/06_gru", probes=probes, checks=CHECKS,
        expected=functools.cache(lambda: {"step": mgu_step(v)}),
        variants=functools.cache(variants),
        rules=(*reference_rules("gru"), *reference_rules("gru_variants"),
               *reference_rules("cells"), *TORCH_RECURRENT, *AUTOGRAD, PACKAGE_TORCH),
        build=build, seed=seed)


EXERCISE = build(None)
