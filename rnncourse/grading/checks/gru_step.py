"""Exercise 5: one GRU step (PyTorch's form, gates r, z, n), forward and backward."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import grad_checks, recurrent_params, rng_for, with_prefix

N, D, H = 3, 4, 5


@functools.cache
def inputs():
    rng = rng_for("gru_step")
    return {"x": rng.standard_normal((N, D)), "h_prev": rng.standard_normal((N, H)),
            "params": recurrent_params(rng, 3, D, H), "dh": rng.standard_normal((N, H))}


PROBES = (Probe("step", (
    Step("gru_step_forward", ("x", "h_prev", "params"), ("h", "cache")),
    Step("gru_step_backward", ("dh", "cache"), ("dx", "dh_prev", "grads")),
), inputs(), ("h", "dx", "dh_prev", "grads")),)

CHECKS = (
    Check("forward_h", "h = (1 - z) * n + z * h_prev, n = tanh(... + r * (W_hn h + b_hn))", 3,
          "step", ("h",)),
    Check("backward_dx", "dL/dx", 1, "step", ("dx",)),
    Check("backward_dh_prev", "dL/dh_prev (direct path z * dh plus the gates)", 2, "step",
          ("dh_prev",)),
    *grad_checks("step", points=(1, 2, 1)),
)


@functools.cache
def expected():
    v = inputs()
    h, cache = ref.gru_step_forward(v["x"], v["h_prev"], v["params"])
    dx, dh_prev, grads = ref.gru_step_backward(v["dh"], cache)
    return {"step": {"h": h, "dx": dx, "dh_prev": dh_prev, **with_prefix("grads", grads)}}


def _gru(v, swap_z=False, reset_before=False, b_hn_outside=False, order="rzn", bias_hh=True):
    """The GRU step as common mistakes compute it."""
    p, x, hp = v["params"], v["x"], v["h_prev"]
    b_hh = p["bias_hh"] if bias_hh else np.zeros_like(p["bias_hh"])
    xw = dict(zip(order, np.split(x @ p["weight_ih"].T + p["bias_ih"], 3, axis=1), strict=True))
    w_hh = dict(zip(order, np.split(p["weight_hh"], 3), strict=True))
    b = dict(zip(order, np.split(b_hh, 3), strict=True))
    r = ref.sigmoid(xw["r"] + hp @ w_hh["r"].T + b["r"])
    z = ref.sigmoid(xw["z"] + hp @ w_hh["z"].T + b["z"])
    if reset_before:
        n = np.tanh(xw["n"] + (r * hp) @ w_hh["n"].T + b["n"])
    elif b_hn_outside:
        n = np.tanh(xw["n"] + r * (hp @ w_hh["n"].T) + b["n"])
    else:
        n = np.tanh(xw["n"] + r * (hp @ w_hh["n"].T + b["n"]))
    return z * n + (1 - z) * hp if swap_z else (1 - z) * n + z * hp


@functools.cache
def variants():
    v = inputs()
    forward = [
        ({"swap_z": True}, "z and 1 - z are swapped: in PyTorch's convention the update gate "
                           "keeps the old state, h = (1 - z) * n + z * h_prev"),
        ({"reset_before": True}, "r is applied before the matrix product, r * h_prev inside "
                                 "W_hn (Cho et al. 2014's original form); this course and "
                                 "PyTorch/cuDNN apply it after: r * (h_prev W_hn^T + b_hn)"),
        ({"b_hn_outside": True}, "b_hn is outside the reset product: PyTorch computes "
                                 "n = tanh(x W_in^T + b_in + r * (h_prev W_hn^T + b_hn))"),
        ({"order": "zrn"}, "the r and z blocks are swapped: PyTorch stacks the gates as r, z, n "
                           "(rows [0:H] reset, [H:2H] update, [2H:3H] candidate)"),
        ({"bias_hh": False}, "bias_hh is missing: PyTorch's GRU adds both b_ih and b_hh"),
    ]
    out = [Variant("step", {"h": _gru(v, **kw)}, msg) for kw, msg in forward]
    _, cache = ref.gru_step_forward(v["x"], v["h_prev"], v["params"])
    _, dh_prev, _ = ref.gru_step_backward(v["dh"], cache)
    z = cache.gates[:, H:2 * H]
    out.append(Variant("step", {"dh_prev": dh_prev - v["dh"] * z},
                       "dh_prev misses the direct path: h depends on h_prev through z * h_prev "
                       "as well as through the gates, so add dh * z"))
    return out


EXERCISE = Exercise(
    name="gru_step", title="Exercise 5: GRU step forward and backward",
    chapter="chapters/06_gru", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"gru_step_forward", "gru_step_backward", "gru_cell",
                                       "gru_cell_backward", "gru_forward", "gru_backward"})},
)
