"""Exercise 1: one step of a vanilla (Elman) RNN, forward and backward."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import (
    grad_checks,
    recurrent_params,
    rng_for,
    transposed_hh_variant,
    with_prefix,
)

N, D, H = 3, 4, 5


@functools.cache
def inputs():
    rng = rng_for("rnn_step")
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)),
            "params": recurrent_params(rng, 1, D, H), "dh": rng.standard_normal((N, H))}


PROBES = (Probe("step", (
    Step("rnn_step_forward", ("x", "h_prev", "params"), ("h", "cache")),
    Step("rnn_step_backward", ("dh", "cache"), ("dx", "dh_prev", "grads")),
), inputs(), ("h", "dx", "dh_prev", "grads")),)

CHECKS = (
    Check("forward_h", "h = tanh(x W_ih^T + b_ih + h_prev W_hh^T + b_hh)", 3, "step", ("h",)),
    Check("backward_dx", "dL/dx", 1, "step", ("dx",)),
    Check("backward_dh_prev", "dL/dh_prev", 2, "step", ("dh_prev",)),
    *grad_checks("step", points=(1, 1, 2)),
)


@functools.cache
def expected():
    v = inputs()
    h, cache = ref.rnn_step_forward(v["x"], v["h_prev"], v["params"])
    dx, dh_prev, grads = ref.rnn_step_backward(v["dh"], cache)
    return {"step": {"h": h, "dx": dx, "dh_prev": dh_prev, **with_prefix("grads", grads)}}


def _backward(da, v):
    p = v["params"]
    return {"dx": da @ p["weight_ih"], "dh_prev": da @ p["weight_hh"],
            **with_prefix("grads", ref.param_grads(da, da, v["x"], v["h_prev"]))}


@functools.cache
def variants():
    v = inputs()
    p, x, hp = v["params"], v["x"], v["h_prev"]
    xw, hw = x @ p["weight_ih"].T, hp @ p["weight_hh"].T
    b_ih, b_hh = p["bias_ih"], p["bias_hh"]
    a = xw + b_ih + hw + b_hh
    h = np.tanh(a)
    forward = [
        (ref.sigmoid(a), "h uses the sigmoid; the vanilla RNN's hidden activation is tanh "
                         "(zero-centred, in (-1, 1))"),
        (a, "h is missing the tanh: h = tanh(a), not the pre-activation a"),
        (np.tanh(xw + b_ih + b_hh), "h ignores h_prev: the recurrent term h_prev W_hh^T is "
                                    "missing"),
        (np.tanh(xw + b_ih + hw), "h ignores bias_hh: PyTorch's layout has two biases, "
                                  "b_ih and b_hh, and both are added"),
        (np.tanh(xw + hw + b_hh), "h ignores bias_ih: both biases b_ih and b_hh are added"),
        (np.tanh(xw + hw), "h has no bias: add bias_ih and bias_hh"),
    ]
    out = [Variant("step", {"h": val}, msg) for val, msg in forward]
    dh = v["dh"]
    no_deriv = _backward(dh, v)
    out.append(Variant("step", no_deriv, "the backward is missing the tanh derivative: first "
                                         "da = dh * (1 - h**2), then dx = da W_ih, ..."))
    out.append(Variant("step", _backward(dh * (1 - a * a), v),
                       "the backward uses 1 - a**2 with a the pre-activation; tanh'(a) = "
                       "1 - tanh(a)**2 = 1 - h**2, from the output h"))
    da = dh * (1 - h * h)
    out.append(Variant("step", {"dh_prev": da @ p["weight_hh"].T},
                       "dh_prev = da W_hh^T; the backward of h_prev W_hh^T is da W_hh"))
    out.append(transposed_hh_variant("step", ref.param_grads(da, da, x, hp)))
    return out


EXERCISE = Exercise(
    name="rnn_step", title="Exercise 1: RNN step forward and backward",
    chapter="chapters/02_rnn_forward", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"rnn_step_forward", "rnn_step_backward", "rnn_cell",
                                       "rnn_cell_backward", "rnn_forward", "rnn_backward"})},
)
