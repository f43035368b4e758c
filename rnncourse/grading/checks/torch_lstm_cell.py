"""Exercise 6: a coupled input-forget gate (CIFG) LSTM cell as a torch.nn.Module.

The forget gate is tied to the input gate, f = 1 - i (Greff et al. 2017's CIFG
variant), so the cell has three gate blocks, stacked i, g, o. Expected values come
from torch autograd applied to the formulas here; neither torch nor the package
has this cell.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from rnncourse.reference import PARAM_NAMES

from ..compare import get_output
from ..spec import Check, Exercise, Probe, Step, Variant, Verdict
from ._common import (
    PACKAGE_TORCH,
    TORCH_RECURRENT,
    draw_sizes,
    recurrent_params,
    reference_rules,
    rng_for,
)

CLASS = "CoupledLSTMCell"
ORDER = ("i", "g", "o")  # the three blocks of weight_ih / weight_hh
PUBLIC_SIZES = (3, 4, 5)  # N, D, H
SMALL = (1, 2, 3)  # N, D, H of a second size: catches hard-coded sizes


def _inputs(seed):
    rng = rng_for("torch_lstm_cell", seed)

    def problem(n, d, h):
        return {"params": recurrent_params(rng, 3, d, h), "x": rng.standard_normal((n, d)),
                "h0": rng.standard_normal((n, h)), "c0": rng.standard_normal((n, h)),
                "dh": rng.standard_normal((n, h)), "dc": rng.standard_normal((n, h)),
                "D": d, "H": h}
    return {"main": problem(*draw_sizes(rng, seed, PUBLIC_SIZES)), "small": problem(*SMALL)}


def cifg_step(x, h0, c0, params, order=ORDER, coupled=True, swap=False, tanh_c=True,
              g_sigmoid=False, bias_hh=True):
    """One CIFG step in torch (float64 tensors in, tensors out), with common slips."""
    import torch

    p = {k: torch.as_tensor(v) for k, v in params.items()}
    a = x @ p["weight_ih"].T + p["bias_ih"] + h0 @ p["weight_hh"].T
    if bias_hh:
        a = a + p["bias_hh"]
    blocks = dict(zip(order, a.chunk(3, dim=1), strict=True))
    i, o = torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["o"])
    g = torch.sigmoid(blocks["g"]) if g_sigmoid else torch.tanh(blocks["g"])
    f = 1 - i if coupled else i
    c = i * c0 + f * g if swap else f * c0 + i * g
    return o * (torch.tanh(c) if tanh_c else c), c


def _autograd(problem, **mistake):
    """h, c and every gradient of sum(h * dh) + sum(c * dc), by autograd."""
    import torch

    leaves = {k: torch.tensor(problem[k], requires_grad=True) for k in ("x", "h0", "c0")}
    params = {k: torch.tensor(v, requires_grad=True) for k, v in problem["params"].items()}
    h, c = cifg_step(leaves["x"], leaves["h0"], leaves["c0"], params, **mistake)
    ((h * torch.tensor(problem["dh"])).sum() + (c * torch.tensor(problem["dc"])).sum()
     ).backward()
    out = {"h": h.detach().numpy(), "c": c.detach().numpy()}
    out.update({f"grads.d{k}": t.grad.numpy() for k, t in leaves.items()})
    out.update({f"grads.d{k}": np.zeros(t.shape) if t.grad is None else t.grad.numpy()
                for k, t in params.items()})  # a slip may leave a parameter unused
    return out


MAKE = Step("helper:make_cell", (CLASS, "D", "H"), "cell")
FORWARD = Step("helper:forward_cell", ("cell", "params", "x", "h0", "c0"), ("h", "c", "leaves"))
BACKWARD = Step("helper:backward_cell", ("cell", "h", "c", "leaves", "dh", "dc"), "grads")
GRAD_NAMES = ("grads.dx", "grads.dh0", "grads.dc0") + tuple(f"grads.d{n}" for n in PARAM_NAMES)


@functools.cache
def build(seed: int | None = None) -> Exercise:
    v = _inputs(seed)
    main, small = v["main"], v["small"]
    d, h = main["D"], main["H"]
    probes = (
        Probe("params", (MAKE, Step("helper:parameter_shapes", ("cell",), "shapes")),
              {"D": d, "H": h}, ("shapes",)),
        Probe("init", (Step("helper:init_values", (CLASS, "D", "H", "seed"), "values"),),
              {"D": d, "H": h, "seed": 0}, ("values",)),
        Probe("forward", (MAKE, FORWARD, BACKWARD), main, ("h", "c", "grads")),
        Probe("no_state", (MAKE, Step("helper:forward_no_state", ("cell", "params", "x"),
                                      ("h", "c"))),
              {k: main[k] for k in ("params", "x", "D", "H")}, ("h", "c")),
        Probe("small", (MAKE, FORWARD), small, ("h", "c")),
    )

    def parameters(result) -> Verdict:
        want = {"weight_ih": (3 * h, d), "weight_hh": (3 * h, h), "bias_ih": (3 * h,),
                "bias_hh": (3 * h,)}
        meta = result.meta.get("shapes")
        if result.error or meta is None or meta["kind"] != "dict":
            return Verdict(False, result.error or "the cell's parameters could not be listed")
        have = set(meta["items"])
        if have != set(want):
            return Verdict(False, f"the cell's parameters are {sorted(have) or 'none'}; "
                                  f"expected exactly {list(PARAM_NAMES)} (nn.Parameter "
                                  f"attributes named as in torch.nn.LSTMCell)")
        for name, shape in want.items():
            got, problem = get_output(result, f"shapes.{name}")
            if problem or tuple(got) != shape:
                return Verdict(False, problem or f"{name} has shape {tuple(got)}; expected "
                                                 f"{shape} ({CLASS}({d}, {h}) stacks 3 gate "
                                                 f"blocks i, g, o of {h} units: no forget "
                                                 f"block, f = 1 - i)")
        return Verdict(True)

    def init(result) -> Verdict:
        bound = 1 / np.sqrt(h)
        for name in PARAM_NAMES:
            got, problem = get_output(result, f"values.{name}")
            if problem:
                return Verdict(False, problem)
            if np.abs(got).max() > bound + 1e-12:
                return Verdict(False, f"{name} has entries up to {np.abs(got).max():.3g}; like "
                                      f"torch.nn.LSTMCell, draw every weight and bias from "
                                      f"U(-1/sqrt(H), 1/sqrt(H)) = U(-{bound:.3g}, {bound:.3g})")
            if got.std() < 0.3 * bound / np.sqrt(3):
                return Verdict(False, f"{name} is (nearly) constant (std {got.std():.3g}); "
                                      f"expected uniform random values in (-{bound:.3g}, "
                                      f"{bound:.3g})")
        return Verdict(True)

    checks = (
        Check("parameters", "weight_ih (3H, D), weight_hh (3H, H), bias_ih and bias_hh (3H,)",
              2, "params", evaluate=parameters),
        Check("init", "initial values uniform in +-1/sqrt(H), like nn.LSTMCell", 1, "init",
              evaluate=init),
        Check("forward", "(h, c) = cell(x, (h0, c0)) with f = 1 - i", 3, "forward", ("h", "c")),
        Check("autograd", "gradients through your forward (autograd)", 2, "forward",
              GRAD_NAMES),
        Check("default_state", "cell(x) starts from zero states", 1, "no_state", ("h", "c")),
        Check("other_size", f"works for other sizes (N={SMALL[0]}, D={SMALL[1]}, H={SMALL[2]})",
              1, "small", ("h", "c")),
    )

    def expected():
        no_state = {**main, "h0": np.zeros_like(main["h0"]), "c0": np.zeros_like(main["c0"])}
        return {"params": {}, "init": {}, "forward": _autograd(main),
                "no_state": {k: a for k, a in _autograd(no_state).items() if k in ("h", "c")},
                "small": {k: a for k, a in _autograd(small).items() if k in ("h", "c")}}

    def variants():
        out = []
        for order in itertools.permutations(ORDER):
            if order != ORDER:
                out.append(({"order": order},
                            f"your h and c match the gate blocks read in the order "
                            f"({', '.join(order)}); this cell stacks them as i, g, o: rows "
                            f"[0:H] input gate, [H:2H] candidate g (tanh), [2H:3H] output gate"))
        out += [
            ({"coupled": False}, "c uses i as the forget gate too; the coupled cell forgets "
                                 "exactly what it writes: f = 1 - i, c = (1 - i) * c_prev + i * g"),
            ({"swap": True}, "the coupling is the wrong way round: c = (1 - i) * c_prev + i * g, "
                             "not i * c_prev + (1 - i) * g"),
            ({"tanh_c": False}, "h = o * c is missing the tanh: h = o * tanh(c)"),
            ({"g_sigmoid": True}, "the candidate g uses the sigmoid; it uses tanh"),
            ({"bias_hh": False}, "bias_hh is missing: add both b_ih and b_hh, as nn.LSTMCell"),
        ]
        return [Variant("forward", {k: a for k, a in _autograd(main, **kw).items()
                                    if k in ("h", "c")}, msg) for kw, msg in out]

    return Exercise(
        name="torch_lstm_cell", title="Exercise 6: a coupled-gate LSTM cell in PyTorch",
        chapter="chapters/08_pytorch_gpu", probes=probes, checks=checks,
        expected=functools.cache(expected), variants=functools.cache(variants),
        needs_torch=True,
        rules=(*TORCH_RECURRENT, PACKAGE_TORCH, *reference_rules("lstm"),
               *reference_rules("cells")),
        build=build, seed=seed)


EXERCISE = build(None)
