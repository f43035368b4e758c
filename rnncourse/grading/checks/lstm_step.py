"""Exercise 4: one step of an LSTM with peephole connections, forward and backward.

The gates i and f also see the previous cell state and o sees the new one, through
diagonal (elementwise) weights ``peephole`` of shape (3, H), rows p_i, p_f, p_o
(Gers & Schmidhuber's peepholes; the "vanilla" LSTM of Greff et al. 2017). Chapter 5
prints the cell without them. Expected values come from the step written out here,
whose backward the tests check against finite differences.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from rnncourse.reference import sigmoid

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import (
    AUTOGRAD,
    PACKAGE_TORCH,
    TORCH_RECURRENT,
    draw_sizes,
    recurrent_params,
    reference_rules,
    rng_for,
    with_prefix,
)

PUBLIC_SIZES = (3, 4, 5)  # N, D, H
ORDER = ("i", "f", "g", "o")  # PyTorch's order of the four blocks of weight_ih / weight_hh


def _inputs(seed):
    rng = rng_for("lstm_step", seed)
    n, d, h = draw_sizes(rng, seed, PUBLIC_SIZES)
    params = {**recurrent_params(rng, 4, d, h), "peephole": rng.uniform(-1.0, 1.0, (3, h))}
    return {"x": rng.standard_normal((n, d)), "h_prev": rng.standard_normal((n, h)),
            "c_prev": rng.standard_normal((n, h)), "params": params,
            "dh": rng.standard_normal((n, h)), "dc": rng.standard_normal((n, h))}


def peephole_step(v, order=ORDER, peepholes=True, o_sees_prev=False, o_path=True,
                  peep_in_dc=True):
    """Forward and backward of the peephole step; the switches compute common mistakes.

    ``peepholes=False``: the plain LSTM; ``o_sees_prev``: the output gate looks at c_prev
    instead of the new c; ``o_path=False``: the backward misses the path from c through
    the output gate's peephole; ``peep_in_dc=False``: dc_prev misses the paths through
    the peepholes of i and f.
    """
    x, hp, cp, p = v["x"], v["h_prev"], v["c_prev"], v["params"]
    pi, pf, po = p["peephole"] if peepholes else np.zeros_like(p["peephole"])
    a = x @ p["weight_ih"].T + p["bias_ih"] + hp @ p["weight_hh"].T + p["bias_hh"]
    blocks = dict(zip(order, np.split(a, 4, axis=1), strict=True))
    i, f = sigmoid(blocks["i"] + pi * cp), sigmoid(blocks["f"] + pf * cp)
    g = np.tanh(blocks["g"])
    c = f * cp + i * g
    o = sigmoid(blocks["o"] + po * (cp if o_sees_prev else c))
    tanh_c = np.tanh(c)
    h = o * tanh_c
    dh, dc = v["dh"], v["dc"]
    da_o = dh * tanh_c * o * (1 - o)
    dc_total = dc + dh * o * (1 - tanh_c ** 2) + (da_o * po if o_path else 0.0)
    da_i = dc_total * g * i * (1 - i)
    da_f = dc_total * cp * f * (1 - f)
    da_g = dc_total * i * (1 - g ** 2)
    dc_prev = dc_total * f + (da_i * pi + da_f * pf if peep_in_dc else 0.0)
    by_gate = {"i": da_i, "f": da_f, "g": da_g, "o": da_o}
    delta = np.concatenate([by_gate[k] for k in order], axis=1)
    grads = {"weight_ih": delta.T @ x, "weight_hh": delta.T @ hp,
             "bias_ih": delta.sum(axis=0), "bias_hh": delta.sum(axis=0),
             "peephole": np.stack([(da_i * cp).sum(axis=0), (da_f * cp).sum(axis=0),
                                   (da_o * c).sum(axis=0)])}
    return {"h": h, "c": c, "dx": delta @ p["weight_ih"], "dh_prev": delta @ p["weight_hh"],
            "dc_prev": dc_prev, **with_prefix("grads", grads)}


CHECKS = (
    Check("forward_c", "c = f * c_prev + i * g, with i and f peeping at c_prev", 2, "step",
          ("c",)),
    Check("forward_h", "h = o * tanh(c), with o peeping at the new c", 2, "step", ("h",)),
    Check("backward_dx", "dL/dx", 1, "step", ("dx",)),
    Check("backward_dh_prev", "dL/dh_prev", 1, "step", ("dh_prev",)),
    Check("backward_dc_prev", "dL/dc_prev: through f AND the peepholes of i and f", 1, "step",
          ("dc_prev",)),
    Check("grad_weights", "dL/dW_ih and dL/dW_hh, summed over the batch", 1, "step",
          ("grads.weight_ih", "grads.weight_hh")),
    Check("grad_biases", "dL/db_ih and dL/db_hh", 1, "step", ("grads.bias_ih", "grads.bias_hh")),
    Check("grad_peephole", "dL/dpeephole (3, H): rows p_i, p_f, p_o", 1, "step",
          ("grads.peephole",)),
)


def _pick(arrays, *names):
    return {n: arrays[n] for n in names}


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    probes = (Probe("step", (
        Step("lstm_step_forward", ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache")),
        Step("lstm_step_backward", ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads")),
    ), v, ("h", "c", "dx", "dh_prev", "dc_prev", "grads")),)

    def variants():
        out = [Variant("step", _pick(peephole_step(v, order=order), "h", "c"),
                       f"your h and c match the gate blocks read in the order "
                       f"({', '.join(order)}); PyTorch stacks them as i, f, g, o: rows [0:H] "
                       f"input gate, [H:2H] forget gate, [2H:3H] candidate g (tanh), [3H:4H] "
                       f"output gate")
               for order in itertools.permutations(ORDER) if order != ORDER]
        out += [
            Variant("step", _pick(peephole_step(v, peepholes=False), "h", "c"),
                    "h and c are those of the LSTM without peepholes: add p_i * c_prev and "
                    "p_f * c_prev to the pre-activations of i and f, and p_o * c to o's"),
            Variant("step", _pick(peephole_step(v, o_sees_prev=True), "h"),
                    "the output gate peeps at c_prev; it looks at the NEW cell state: "
                    "o = sigmoid(a_o + p_o * c), computed after c"),
            Variant("step", _pick(peephole_step(v, o_path=False), "dx", "dh_prev", "dc_prev"),
                    "the gradient of c misses the path through the output gate's peephole: "
                    "c_bar = dc + dh * o * (1 - tanh(c)**2) + delta_o * p_o"),
            Variant("step", _pick(peephole_step(v, peep_in_dc=False), "dc_prev"),
                    "dc_prev misses the peepholes of i and f: c_prev also enters their "
                    "pre-activations, so add delta_i * p_i + delta_f * p_f to c_bar * f"),
        ]
        return out

    return Exercise(
        name="lstm_step", title="Exercise 4: a peephole LSTM step, forward and backward",
        chapter="chapters/05_lstm", probes=probes, checks=CHECKS,
        expected=functools.cache(lambda: {"step": peephole_step(v)}),
        variants=functools.cache(variants),
        rules=(*reference_rules("lstm"), *reference_rules("cells"), *TORCH_RECURRENT,
               *AUTOGRAD, PACKAGE_TORCH),
        build=build, seed=seed)


EXERCISE = build(None)
