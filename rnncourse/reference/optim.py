"""Optimisers that update a parameter dict in place from a gradient dict with the same keys,
and gradient clipping."""

from __future__ import annotations

from typing import Any

import numpy as np

from .caches import Params


def global_norm(grads: Params) -> float:
    """L2 norm of a dict of gradient arrays taken together, as gradient clipping sees it:
    sqrt(sum_k ||g_k||^2)."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_grad_norm(grads: Params, max_norm: float) -> float:
    """Rescale all gradients together so their global L2 norm is at most ``max_norm``.

    g <- g * min(1, max_norm / ||g||), in place; the direction never changes.
    Returns the norm before clipping (as ``torch.nn.utils.clip_grad_norm_`` does).
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm}")
    norm = global_norm(grads)
    scale = min(1.0, max_norm / (norm + 1e-12))
    if scale < 1.0:
        for g in grads.values():
            g *= scale
    return norm


def clip_grad_value(grads: Params, clip_value: float) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value] in place (changes the direction)."""
    if not clip_value > 0:
        raise ValueError(f"clip_value: expected a positive number, got {clip_value}")
    for g in grads.values():
        np.clip(g, -clip_value, clip_value, out=g)


class Optimizer:
    """Base class: ``step(params, grads)`` updates ``params`` in place."""

    def __init__(self, lr: float) -> None:
        if not lr > 0:
            raise ValueError(f"lr: expected a positive learning rate, got {lr}")
        self.lr = lr
        #: Per-parameter state, keyed like params; what it holds depends on the optimiser.
        self.state: dict[str, Any] = {}

    def step(self, params: Params, grads: Params) -> None:
        missing = set(params) - set(grads)
        if missing:
            raise ValueError(f"grads: expected the keys of params, missing {sorted(missing)}")
        for key, p in params.items():
            g = grads[key]
            if g.shape != p.shape:
                raise ValueError(f"grads[{key!r}]: expected shape {p.shape}, got {g.shape}")
            p -= self.update(key, g)

    def update(self, key: str, g: np.ndarray) -> np.ndarray:
        """The amount to subtract from parameter ``key`` given its gradient ``g``."""
        raise NotImplementedError


class SGD(Optimizer):
    """Plain (stochastic) gradient descent: p <- p - lr * g."""

    def update(self, key: str, g: np.ndarray) -> np.ndarray:
        return self.lr * g


class Momentum(Optimizer):
    """Heavy-ball momentum: v <- beta v + g; p <- p - lr v (PyTorch's SGD with momentum)."""

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = beta

    def update(self, key: str, g: np.ndarray) -> np.ndarray:
        v = self.state.get(key)
        v = g.copy() if v is None else self.beta * v + g
        self.state[key] = v
        return self.lr * v


class Adagrad(Optimizer):
    """Adagrad: s <- s + g^2; p <- p - lr g / (sqrt(s) + eps) (min-char-rnn's optimiser)."""

    def __init__(self, lr: float, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.eps = eps

    def update(self, key: str, g: np.ndarray) -> np.ndarray:
        s = self.state.setdefault(key, np.zeros_like(g))
        s += g * g
        return self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction, as ``torch.optim.Adam``."""

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.betas, self.eps = betas, eps

    def update(self, key: str, g: np.ndarray) -> np.ndarray:
        b1, b2 = self.betas
        m, v, t = self.state.get(key, (np.zeros_like(g), np.zeros_like(g), 0))
        m, v, t = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g, t + 1
        self.state[key] = (m, v, t)
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
