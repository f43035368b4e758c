"""Exercise 4: one LSTM step, forward and backward."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import grad_checks, recurrent_params, rng_for, with_prefix
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


def _backward_mistakes(v):
    """The step's backward with one of two classic slips, computed by the reference.

    Missing the path through h = o * tanh(c) means using dc alone where the total
    dc + dh * o * (1 - tanh(c)^2) belongs: the same as the reference given dc minus
    that path. Forgetting the forget gate in dc_prev means dc_prev / f.
    """
    _, _, cache = ref.lstm_step_forward(v["x"], v["h_prev"], v["c_prev"], v["params"])
    _, f, _, o = np.split(cache.gates, 4, axis=1)
    through_h = v["dh"] * o * (1 - cache.tanh_c ** 2)
    dx, dh_prev, dc_prev, grads = ref.lstm_step_backward(v["dh"], v["dc"] - through_h, cache)
    no_h_path = {"dx": dx, "dh_prev": dh_prev, "dc_prev": dc_prev,
                 **with_prefix("grads", grads)}
    no_f = {"dc_prev": ref.lstm_step_backward(v["dh"], v["dc"], cache)[2] / f}
    return no_h_path, no_f


@functools.cache
def variants():
    v = inputs()
    out = [Variant("step", {"h": h, "c": c}, msg)
           for h, c, msg in forward_mistakes(v["x"], v["h_prev"], v["c_prev"], v["params"])]
    no_h_path, no_f = _backward_mistakes(v)
    out.append(Variant("step", no_h_path,
                       "the gradient of c misses the path through h = o * tanh(c): "
                       "dc_total = dc + dh * o * (1 - tanh(c)**2) before the gates"))
    out.append(Variant("step", no_f,
                       "dc_prev must be multiplied by the forget gate: dc_prev = dc_total * f"))
    return out


EXERCISE = Exercise(
    name="lstm_step", title="Exercise 4: LSTM step forward and backward",
    chapter="chapters/05_lstm", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"lstm_step_forward", "lstm_step_backward", "lstm_cell",
                                       "lstm_cell_backward", "lstm_forward", "lstm_backward"})},
)
