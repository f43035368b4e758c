"""Exercise 6: an LSTM cell written from scratch as a torch.nn.Module, matching nn.LSTMCell."""

from __future__ import annotations

import functools

import numpy as np

from rnncourse.reference import PARAM_NAMES

from ..compare import get_output
from ..spec import Check, Exercise, Probe, Step, Variant, Verdict
from ._common import recurrent_params, rng_for
from ._lstm_variants import forward_mistakes

N, D, H = 3, 4, 5
SMALL = (1, 2, 3)  # N, D, H of a second size: catches hard-coded sizes


@functools.cache
def inputs():
    rng = rng_for("torch_lstm_cell")

    def problem(n, d, h):
        return {"params": recurrent_params(rng, 4, d, h), "x": rng.standard_normal((n, d)),
                "h0": rng.standard_normal((n, h)), "c0": rng.standard_normal((n, h)),
                "dh": rng.standard_normal((n, h)), "dc": rng.standard_normal((n, h)),
                "D": d, "H": h}
    return {"main": problem(N, D, H), "small": problem(*SMALL)}


MAKE = Step("helper:make_cell", ("LSTMCell", "D", "H"), "cell")
FORWARD = Step("helper:forward_cell", ("cell", "params", "x", "h0", "c0"), ("h", "c", "leaves"))
BACKWARD = Step("helper:backward_cell", ("cell", "h", "c", "leaves", "dh", "dc"), "grads")

PROBES = (
    Probe("params", (MAKE, Step("helper:parameter_shapes", ("cell",), "shapes")),
          {"D": D, "H": H}, ("shapes",)),
    Probe("init", (Step("helper:init_values", ("LSTMCell", "D", "H", "seed"), "values"),),
          {"D": D, "H": H, "seed": 0}, ("values",)),
    Probe("forward", (MAKE, FORWARD, BACKWARD), inputs()["main"], ("h", "c", "grads")),
    Probe("no_state", (MAKE, Step("helper:forward_no_state", ("cell", "params", "x"),
                                  ("h", "c"))),
          {k: inputs()["main"][k] for k in ("params", "x", "D", "H")}, ("h", "c")),
    Probe("small", (MAKE, FORWARD), inputs()["small"], ("h", "c")),
)


def _parameters(result) -> Verdict:
    want = {"weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias_ih": (4 * H,),
            "bias_hh": (4 * H,)}
    meta = result.meta.get("shapes")
    if result.error or meta is None or meta["kind"] != "dict":
        return Verdict(False, result.error or "the cell's parameters could not be listed")
    have = set(meta["items"])
    if have != set(want):
        return Verdict(False, f"the cell's parameters are {sorted(have) or 'none'}; expected "
                              f"exactly {list(PARAM_NAMES)} (nn.Parameter attributes named as "
                              f"in torch.nn.LSTMCell)")
    for name, shape in want.items():
        got, problem = get_output(result, f"shapes.{name}")
        if problem or tuple(got) != shape:
            return Verdict(False, problem or f"{name} has shape {tuple(got)}; expected {shape} "
                                             f"(LSTMCell({D}, {H}) stacks 4 gates of {H} units)")
    return Verdict(True)


def _init(result) -> Verdict:
    bound = 1 / np.sqrt(H)
    for name in PARAM_NAMES:
        got, problem = get_output(result, f"values.{name}")
        if problem:
            return Verdict(False, problem)
        if np.abs(got).max() > bound + 1e-12:
            return Verdict(False, f"{name} has entries up to {np.abs(got).max():.3g}; "
                                  f"torch.nn.LSTMCell draws every weight and bias from "
                                  f"U(-1/sqrt(H), 1/sqrt(H)) = U(-{bound:.3g}, {bound:.3g})")
        if got.std() < 0.3 * bound / np.sqrt(3):
            return Verdict(False, f"{name} is (nearly) constant (std {got.std():.3g}); expected "
                                  f"uniform random values in (-{bound:.3g}, {bound:.3g})")
    return Verdict(True)


GRAD_NAMES = ("grads.dx", "grads.dh0", "grads.dc0") + tuple(f"grads.d{n}" for n in PARAM_NAMES)

CHECKS = (
    Check("parameters", "parameters weight_ih, weight_hh, bias_ih, bias_hh with LSTMCell's "
                        "shapes", 2, "params", evaluate=_parameters),
    Check("init", "initial values uniform in +-1/sqrt(H), like nn.LSTMCell", 1, "init",
          evaluate=_init),
    Check("forward", "(h, c) = cell(x, (h0, c0)) matches torch.nn.LSTMCell", 3, "forward",
          ("h", "c")),
    Check("autograd", "gradients through your forward match nn.LSTMCell's", 2, "forward",
          GRAD_NAMES),
    Check("default_state", "cell(x) starts from zero states", 1, "no_state", ("h", "c")),
    Check("other_size", "works for other sizes (N=1, D=2, H=3)", 1, "small", ("h", "c")),
)


def _torch_reference(problem, with_state=True):
    import torch

    from rnncourse.interop import params_to_torch

    n, d = problem["x"].shape
    cell = torch.nn.LSTMCell(d, problem["H"]).double()
    params_to_torch(problem["params"], cell)
    x, h0, c0 = (torch.tensor(problem[k], requires_grad=True) for k in ("x", "h0", "c0"))
    h, c = cell(x, (h0, c0)) if with_state else cell(x)
    out = {"h": h.detach().numpy(), "c": c.detach().numpy()}
    if with_state:
        ((h * torch.tensor(problem["dh"])).sum() + (c * torch.tensor(problem["dc"])).sum()
         ).backward()
        out.update({"grads.dx": x.grad.numpy(), "grads.dh0": h0.grad.numpy(),
                    "grads.dc0": c0.grad.numpy()})
        out.update({f"grads.d{n}": getattr(cell, n).grad.numpy() for n in PARAM_NAMES})
    return out


@functools.cache
def expected():
    main, small = inputs()["main"], inputs()["small"]
    return {"params": {}, "init": {}, "forward": _torch_reference(main),
            "no_state": _torch_reference(main, with_state=False),
            "small": _torch_reference(small)}


@functools.cache
def variants():
    m = inputs()["main"]
    return [Variant("forward", {"h": h, "c": c}, msg)
            for h, c, msg in forward_mistakes(m["x"], m["h0"], m["c0"], m["params"])]


EXERCISE = Exercise(
    name="torch_lstm_cell", title="Exercise 6: a from-scratch PyTorch LSTM cell",
    chapter="chapters/08_pytorch_gpu", probes=PROBES, checks=CHECKS,
    expected=expected, variants=variants, needs_torch=True,
    forbidden={"torch": frozenset({"LSTMCell", "LSTM", "lstm_cell"}),
               "rnncourse": frozenset({"lstm_step_forward", "lstm_cell", "lstm_forward"})},
)
