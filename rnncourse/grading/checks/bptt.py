"""Exercise 2: backpropagation through time over a whole sequence (vanilla RNN)."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse import reference as ref

from ..spec import Check, Exercise, Probe, Step, Variant
from ._common import grad_checks, recurrent_params, rng_for, with_prefix

N, T, D, H = 2, 6, 3, 4


@functools.cache
def inputs():
    rng = rng_for("bptt")
    return {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H)),
            "params": recurrent_params(rng, 1, D, H, scale=0.6),
            "dhs": rng.standard_normal((N, T, H))}


PROBES = (Probe("seq", (
    Step("rnn_forward", ("x", "h0", "params"), ("hs", "cache")),
    Step("rnn_backward", ("dhs", "cache"), ("dx", "dh0", "grads")),
), inputs(), ("hs", "dx", "dh0", "grads")),)

CHECKS = (
    Check("forward_hs", "hidden states of every step, shape (N, T, H)", 3, "seq", ("hs",)),
    Check("backward_dx", "dL/dx for every step", 2, "seq", ("dx",)),
    Check("backward_dh0", "dL/dh0, through all T steps", 2, "seq", ("dh0",)),
    *grad_checks("seq", points=(1, 1, 1), summed_over="all time steps and the batch"),
)


@functools.cache
def expected():
    v = inputs()
    hs, cache = ref.rnn_forward(v["x"], v["h0"], v["params"])
    dx, dh0, grads = ref.rnn_backward(v["dhs"], cache)
    return {"seq": {"hs": hs, "dx": dx, "dh0": dh0, **with_prefix("grads", grads)}}


def _bptt(v, hs, recurrent=True, accumulate=True):
    """BPTT with the two classic mistakes available as switches."""
    p, x = v["params"], v["x"]
    h_prev = np.concatenate([v["h0"][:, None], hs[:, :-1]], axis=1)
    dx, dh_next = np.zeros_like(x), np.zeros_like(v["h0"])
    grads = {k: np.zeros_like(val) for k, val in p.items()}
    for t in reversed(range(T)):
        dh = v["dhs"][:, t] + (dh_next if recurrent else 0.0)
        da = dh * (1 - hs[:, t] ** 2)
        dx[:, t] = da @ p["weight_ih"]
        dh_next = da @ p["weight_hh"]
        step = ref.param_grads(da, da, x[:, t], h_prev[:, t])
        for k in grads:
            grads[k] = grads[k] + step[k] if accumulate else step[k]
    return {"dx": dx, "dh0": dh_next, **with_prefix("grads", grads)}


@functools.cache
def variants():
    v = inputs()
    p = v["params"]
    hs = expected()["seq"]["hs"]
    from_h0 = np.tanh(v["x"] @ p["weight_ih"].T + p["bias_ih"] + p["bias_hh"]
                      + (v["h0"] @ p["weight_hh"].T)[:, None])
    no_rec = _bptt(v, hs, recurrent=False)
    return [
        Variant("seq", {"hs": from_h0}, "every step started from h0: each step must take the "
                                        "previous step's output h_{t-1} as its state"),
        Variant("seq", no_rec,
                "your gradients match BPTT WITHOUT the recurrent term: dL/dh_t is dhs[:, t] "
                "PLUS the gradient flowing back from step t+1 (da_{t+1} W_hh); carry it "
                "backwards through the loop"),
        Variant("seq", {k: val for k, val in _bptt(v, hs, accumulate=False).items()
                        if k.startswith("grads.")},
                "the weight gradients hold one time step only: every step uses the same "
                "weights, so add (+=) each step's contribution"),
    ]


EXERCISE = Exercise(
    name="bptt", title="Exercise 2: backpropagation through time",
    chapter="chapters/03_bptt", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants,
    forbidden={"rnncourse": frozenset({"rnn_forward", "rnn_backward"})},
)
