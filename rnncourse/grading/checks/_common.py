"""Shared pieces of the exercise definitions: fixed inputs and the usual gradient checks."""

from __future__ import annotations

import numpy as np

from ..spec import Check, Rule, Variant


def rng_for(name: str, seed: int | None = None) -> np.random.Generator:
    """A generator seeded from the exercise name (the same public inputs in every run) and,
    in instructor mode, from ``seed`` too (fresh inputs a learner has not seen)."""
    key = sum(ord(ch) * 31**i for i, ch in enumerate(name)) % 2**32
    return np.random.default_rng(key if seed is None else [key, seed])


def draw_sizes(rng: np.random.Generator, seed: int | None, public: tuple[int, ...],
               low: int = 2, high: int = 7) -> tuple[int, ...]:
    """``public`` for the public probes; with a seed, as many sizes drawn from
    [low, high], all different (so that a transposed or swapped axis is a shape error)."""
    if seed is None:
        return public
    return tuple(int(v) for v in rng.choice(np.arange(low, high + 1), len(public),
                                            replace=False))


def recurrent_params(rng, gates, d, h, scale=0.5):
    """Weights and (distinct, non-zero) biases in PyTorch's layout, uniform in +-scale."""
    return {"weight_ih": rng.uniform(-scale, scale, (gates * h, d)),
            "weight_hh": rng.uniform(-scale, scale, (gates * h, h)),
            "bias_ih": rng.uniform(-scale, scale, gates * h),
            "bias_hh": rng.uniform(-scale, scale, gates * h)}


def grad_checks(probe, prefix="grads", points=(1, 1, 1), summed_over="the batch"):
    """Checks for weight_ih, weight_hh and the two biases of a gradient dict."""
    p_ih, p_hh, p_b = points
    return (
        Check("grad_weight_ih", f"dL/dW_ih, summed over {summed_over}", p_ih, probe,
              (f"{prefix}.weight_ih",)),
        Check("grad_weight_hh", f"dL/dW_hh, summed over {summed_over}", p_hh, probe,
              (f"{prefix}.weight_hh",)),
        Check("grad_biases", "dL/db_ih and dL/db_hh", p_b, probe,
              (f"{prefix}.bias_ih", f"{prefix}.bias_hh")),
    )


def with_prefix(prefix, grads):
    """{"grads.weight_ih": ..., ...} from a gradient dict."""
    return {f"{prefix}.{k}": v for k, v in grads.items()}


def transposed_hh_variant(probe, grads, prefix="grads"):
    """The recurrent weight gradient transposed (h_prev^T da instead of da^T h_prev)."""
    return Variant(probe, {f"{prefix}.weight_hh": grads["weight_hh"].T},
                   f"{prefix}['weight_hh'] is transposed: in PyTorch's layout W_hh has one row "
                   f"per output unit, so dW_hh = da^T h_prev (shape (G*H, H)), not h_prev^T da")


REFERENCE = "the package's reference solution of this exercise"
HAND_WRITTEN = "torch's autograd, in an exercise that asks for the backward written by hand"
RECURRENT = "torch's own recurrent layers, which compute what this exercise asks for"

#: torch's autograd: the Python entry points and the engine's C call.
AUTOGRAD = (Rule("torch.autograd", HAND_WRITTEN), Rule("torch._functorch", HAND_WRITTEN),
            Rule("torch._tensor:Tensor.backward", HAND_WRITTEN),
            Rule("c:_EngineBase.run_backward", HAND_WRITTEN))
#: torch's recurrent layers and cells, in Python (torch.nn) and in C (torch._VF).
TORCH_RECURRENT = (Rule("torch.nn.modules.rnn", RECURRENT),
                   *(Rule(f"c:_VariableFunctionsClass.{name}", RECURRENT)
                     for name in ("rnn_tanh_cell", "rnn_tanh", "lstm_cell", "lstm", "gru_cell",
                                  "gru")))
#: torch's clipping utilities (clip_grad_norm_ and friends).
TORCH_CLIPPING = "torch's gradient clipping, which computes what this exercise asks for"
#: The package's PyTorch models (they hold the solutions of the torch exercises).
PACKAGE_TORCH = Rule("rnncourse.torch", "the package's PyTorch models, solutions of this "
                                        "exercise")


def reference_rules(module: str, *names: str) -> tuple[Rule, ...]:
    """The reference functions ``names`` of ``rnncourse.reference.<module>`` (all of the
    module when no names are given)."""
    target = f"rnncourse.reference.{module}"
    if not names:
        return (Rule(target, REFERENCE),)
    return tuple(Rule(f"{target}:{name}", REFERENCE) for name in names)
