"""A small, general PyTorch training loop with a progress bar, clipping, periodic evaluation and
the choice of the best weights on validation; shuffled mini-batch indices; a one-cycle Adam;
and checkpoints that save and restore a model with the settings needed to rebuild it.

torch is imported inside the functions, so the NumPy-only parts of the course (the
NumPy char-RNN uses :class:`History`) never import it.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .utils import progress as progress_bar


@dataclass
class History:
    """What happened during training: the training loss per step and each evaluation."""

    steps: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    eval_metrics: list = field(default_factory=list)
    best_step: int | None = None

    def metric(self, name: str) -> list:
        """The values of one evaluation metric, in order."""
        return [m[name] for m in self.eval_metrics]


def shuffled_batches(n: int, batch_size: int, seed: int = 0) -> Iterator[Any]:
    """Endless epochs of mini-batch indices: each epoch is a fresh permutation of 0..n-1, cut
    into int64 tensors of ``batch_size`` (the last one may be shorter). Seeded, so a run
    repeats exactly."""
    import torch

    if n < 1 or batch_size < 1:
        raise ValueError(f"shuffled_batches: expected n >= 1 and batch_size >= 1, got n={n} "
                         f"and batch_size={batch_size}")
    generator = torch.Generator().manual_seed(seed)
    while True:
        yield from torch.randperm(n, generator=generator).split(batch_size)


def train(model: Any, loss_fn: Callable[[Any, Any], Any], batches: Iterable[Any],
          optimizer: Any, steps: int, *, clip: float | None = None,
          evaluate: Callable[[Any], dict[str, float]] | None = None,
          eval_every: int | None = None, keep_best: str | None = None, maximize: bool = False,
          desc: str = "training", progress: bool = True) -> History:
    """Run ``steps`` optimisation steps and return a :class:`History`.

    loss_fn(model, batch) -> scalar loss tensor; ``batches`` is any iterable
    (cycled when it runs out); ``clip`` is a max global gradient norm;
    ``evaluate(model) -> dict`` runs every ``eval_every`` steps and at the end,
    with the model in eval mode and gradients off. With ``keep_best`` naming one
    of those metrics, the weights where it was lowest (highest with ``maximize``)
    are restored at the end and the model is left in eval mode: model selection
    on validation, ``history.best_step`` says when.
    """
    import torch

    if steps < 1:
        raise ValueError(f"steps: expected a positive number of steps, got {steps}")
    if keep_best is not None and evaluate is None:
        raise ValueError(f"keep_best={keep_best!r}: expected an evaluate function to measure it")
    history = History()
    best_value: float | None = None
    best_state = None
    source = batches if isinstance(batches, Iterator) else itertools.cycle(batches)
    bar = progress_bar(range(1, steps + 1), desc=desc, disable=not progress)
    for step in bar:
        model.train()
        loss = loss_fn(model, next(source))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        history.steps.append(step)
        history.train_loss.append(loss.item())
        if evaluate is not None and (step == steps or (eval_every and step % eval_every == 0)):
            model.eval()
            with torch.no_grad():
                metrics = evaluate(model)
            history.eval_steps.append(step)
            history.eval_metrics.append(metrics)
            bar.set_postfix({k: f"{v:.3f}" for k, v in metrics.items()}, refresh=False)
            if keep_best is not None:
                if keep_best not in metrics:
                    raise ValueError(f"keep_best: expected one of the evaluated metrics "
                                     f"{sorted(metrics)}, got {keep_best!r}")
                value = metrics[keep_best]
                if best_value is None or (value > best_value if maximize else value < best_value):
                    best_value, history.best_step = value, step
                    best_state = copy.deepcopy(model.state_dict())
        elif step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    if best_state is not None:
        model.load_state_dict(best_state)
        model.eval()
    return history


class OneCycleAdam:
    """Adam whose learning rate follows a one-cycle schedule: a short warm-up to ``lr``, then a
    cosine decay to ``lr / 100`` at the last step. Has the ``zero_grad``/``step`` interface
    that :func:`train` uses."""

    def __init__(self, params: Iterable[Any], lr: float, total_steps: int,
                 warmup: float = 0.05) -> None:
        import torch

        self.optimizer = torch.optim.Adam(params, lr=lr)
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=lr, total_steps=total_steps,
            pct_start=max(warmup, 2.5 / total_steps), anneal_strategy="cos", final_div_factor=100)

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        self.optimizer.step()
        self.scheduler.step()

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]


def save_checkpoint(path: str | Path, model: Any, **settings: Any) -> Path:
    """Save a model's state dict with the keyword settings that rebuild it (e.g. sizes, vocab)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "settings": settings}, path)
    return path


def load_checkpoint(path: str | Path, build: Callable[..., Any]) -> tuple[Any, dict]:
    """Rebuild a model with ``build(**settings)``, load its weights; returns (model, settings)."""
    import torch

    checkpoint = torch.load(Path(path), map_location="cpu", weights_only=True)
    model = build(**checkpoint["settings"])
    model.load_state_dict(checkpoint["state_dict"])
    return model, checkpoint["settings"]
