"""Shared pieces of the exercise definitions: fixed inputs and the usual gradient checks."""

from __future__ import annotations

import numpy as np

from ..spec import Check, Variant


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded from the exercise name: the same fixed inputs in every run."""
    return np.random.default_rng(sum(ord(ch) * 31**i for i, ch in enumerate(name)) % 2**32)


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
