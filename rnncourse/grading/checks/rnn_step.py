"""Exercise 1: one step of a ReLU RNN (the IRNN of Le et al.), forward and backward.

The chapters print the tanh step; here the activation is the ReLU, so the backward
masks the gradient where a unit was off. Expected values are computed here.
"""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

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
    transposed_hh_variant,
    with_prefix,
)

PUBLIC_SIZES = (3, 4, 5)  # N, D, H


def _inputs(seed):
    rng = rng_for("rnn_step", seed)
    N, D, H = draw_sizes(rng, seed, PUBLIC_SIZES)
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)),
            "params": recurrent_params(rng, 1, D, H), "dh": rng.standard_normal((N, H))}



CHECKS = (
    Check("forward_h", "h = max(0, x W_ih^T + b_ih + h_prev W_hh^T + b_hh)", 3, "step", ("h",)),
    Check("backward_dx", "dL/dx", 1, "step", ("dx",)),
    Check("backward_dh_prev", "dL/dh_prev", 2, "step", ("dh_prev",)),
    *grad_checks("step", points=(1, 1, 2)),
)


def _pre_activation(v):
    p = v["params"]
    return (v["x"] @ p["weight_ih"].T + p["bias_ih"] + v["h_prev"] @ p["weight_hh"].T
            + p["bias_hh"])


def _backward(delta, v):
    p = v["params"]
    return {"dx": delta @ p["weight_ih"], "dh_prev": delta @ p["weight_hh"],
            **with_prefix("grads", ref.param_grads(delta, delta, v["x"], v["h_prev"]))}


def _expected(v):
    a = _pre_activation(v)
    return {"step": {"h": np.maximum(a, 0.0), **_backward(v["dh"] * (a > 0), v)}}


def _variants(v):
    p, x, hp = v["params"], v["x"], v["h_prev"]
    xw, hw = x @ p["weight_ih"].T, hp @ p["weight_hh"].T
    b_ih, b_hh = p["bias_ih"], p["bias_hh"]
    a = _pre_activation(v)
    h = np.maximum(a, 0.0)

    def relu(z):
        return np.maximum(z, 0.0)

    forward = [
        (np.tanh(a), "h uses tanh, the activation of the chapters' RNN; this one is the IRNN "
                     "of Le et al.: h = max(a, 0)"),
        (ref.sigmoid(a), "h uses the sigmoid; this RNN's activation is the ReLU, max(a, 0)"),
        (a, "h is missing the ReLU: h = max(a, 0), not the pre-activation a"),
        (relu(xw + b_ih + b_hh), "h ignores h_prev: the recurrent term h_prev W_hh^T is "
                                 "missing"),
        (relu(xw + b_ih + hw), "h ignores bias_hh: PyTorch's layout has two biases, b_ih and "
                               "b_hh, and both are added"),
        (relu(xw + hw + b_hh), "h ignores bias_ih: both biases b_ih and b_hh are added"),
        (relu(xw + hw), "h has no bias: add bias_ih and bias_hh"),
    ]
    out = [Variant("step", {"h": val}, msg) for val, msg in forward]
    dh = v["dh"]
    out.append(Variant("step", _backward(dh, v),
                       "the backward is missing the ReLU's derivative: first delta = dh * "
                       "(a > 0), zero where the unit was off, then dx = delta W_ih, ..."))
    out.append(Variant("step", _backward(dh * (1 - h * h), v),
                       "the backward uses tanh's derivative 1 - h**2; the ReLU's is 1 where "
                       "a > 0 and 0 elsewhere"))
    delta = dh * (a > 0)
    out.append(Variant("step", {"dh_prev": delta @ p["weight_hh"].T},
                       "dh_prev = delta W_hh^T; the backward of h_prev W_hh^T is delta W_hh"))
    out.append(transposed_hh_variant("step", ref.param_grads(delta, delta, x, hp)))
    return out


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    probes = (Probe("step", (
        Step("rnn_step_forward", ("x", "h_prev", "params"), ("h", "cache")),
        Step("rnn_step_backward", ("dh", "cache"), ("dx", "dh_prev", "grads")),
    ), v, ("h", "dx", "dh_prev", "grads")),)
    return Exercise(
        name="rnn_step", title="Exercise 1: a ReLU RNN step, forward and backward",
        chapter="chapters/02_rnn_forward", probes=probes, checks=CHECKS,
        expected=functools.cache(lambda: _expected(v)),
        variants=functools.cache(lambda: _variants(v)),
        rules=(*reference_rules("rnn"), *TORCH_RECURRENT, *AUTOGRAD, PACKAGE_TORCH),
        build=build, seed=seed)


EXERCISE = build(None)
