"""Exercise 4: one LSTM step, forward and backward."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import grad_checks, outer_grads, recurrent_params, rng_for, with_prefix
from ._lstm_variants import forward_mistakes

N, D, H = 3, 4, 5


@functools.cache
def inputs():
    rng = rng_for("lstm_step")
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)),
            "c_prev": rng.standard_normal((N, H)), "params": recurrent_params(rng, 4, D, H),
            "dh": rng.standard_normal((N, H)), "dc": rng.standard_normal((N, H))}


PROBES = (Probe("step", (
    Step("lstm_step_forward", ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache")),
    Step("lstm_step_backward", ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads")),
), inputs(), ("h", "c", "dx", "dh_prev", "dc_prev", "grads")),)

CHECKS = (
    Check("forward_c", "c = f * c_prev + i * g", 2, "step", ("c",)),
    Check("forward_h", "h = o * tanh(c)", 2, "step", ("h",)),
    Check("backward_dx", "dL/dx", 1, "step", ("dx",)),
    Check("backward_dh_prev", "dL/dh_prev", 1, "step", ("dh_prev",)),
    Check("backward_dc_prev", "dL/dc_prev", 1, "step", ("dc_prev",)),
    *grad_checks("step", points=(1, 1, 1)),
)


@functools.cache
def expected():
    v = inputs()
    h, c, cache = ref.lstm_step_forward(v["x"], v["h_prev"], v["c_prev"], v["params"])
    dx, dh_prev, dc_prev, grads = ref.lstm_step_backward(v["dh"], v["dc"], cache)
    return {"step": {"h": h, "c": c, "dx": dx, "dh_prev": dh_prev, "dc_prev": dc_prev,
                     **with_prefix("grads", grads)}}


def _backward(v, through_h=True, times_f=True):
    """The step's backward, optionally with one of two classic slips."""
    p = v["params"]
    _, _, cache = ref.lstm_step_forward(v["x"], v["h_prev"], v["c_prev"], p)
    gates, tanh_c = cache[3], cache[4]
    i, f, g, o = np.split(gates, 4, axis=1)
    dh, dc = v["dh"], v["dc"]
    dc_total = dc + (dh * o * (1 - tanh_c ** 2) if through_h else 0.0)
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * v["c_prev"] * f * (1 - f),
                         dc_total * i * (1 - g * g), dh * tanh_c * o * (1 - o)], axis=1)
    return {"dx": da @ p["weight_ih"], "dh_prev": da @ p["weight_hh"],
            "dc_prev": dc_total * f if times_f else dc_total,
            **with_prefix("grads", outer_grads(da, da, v["x"], v["h_prev"]))}


@functools.cache
def variants():
    v = inputs()
    out = [Variant("step", {"h": h, "c": c}, msg)
           for h, c, msg in forward_mistakes(v["x"], v["h_prev"], v["c_prev"], v["params"])]
    out.append(Variant("step", _backward(v, through_h=False),
                       "the gradient of c misses the path through h = o * tanh(c): "
                       "dc_total = dc + dh * o * (1 - tanh(c)**2) before the gates"))
    out.append(Variant("step", {"dc_prev": _backward(v, times_f=False)["dc_prev"]},
                       "dc_prev must be multiplied by the forget gate: dc_prev = dc_total * f"))
    return out


EXERCISE = Exercise(
    name="lstm_step", title="Exercise 4: LSTM step forward and backward",
    chapter="chapters/05_lstm", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"lstm_step_forward", "lstm_step_backward", "lstm_cell",
                                       "lstm_cell_backward", "lstm_forward", "lstm_backward"})},
)
