"""A small, general PyTorch training loop with a progress bar, clipping and periodic evaluation,
plus checkpoints that save and restore a model with the settings needed to rebuild it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from .utils import progress as progress_bar


@dataclass
class History:
    """What happened during training: the training loss per step and each evaluation."""

    steps: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    eval_metrics: list = field(default_factory=list)

    def metric(self, name):
        """The values of one evaluation metric, in order."""
        return [m[name] for m in self.eval_metrics]


def train(model, loss_fn, batches, optimizer, steps, *, clip=None, evaluate=None,
          eval_every=None, desc="training", progress=True):
    """Run ``steps`` optimisation steps and return a :class:`History`.

    loss_fn(model, batch) -> scalar loss tensor; ``batches`` is any iterable
    (cycled when it runs out); ``clip`` is a max global gradient norm;
    ``evaluate(model) -> dict`` runs every ``eval_every`` steps and at the end,
    with the model in eval mode and gradients off.
    """
    import torch

    if steps < 1:
        raise ValueError(f"steps: expected a positive number of steps, got {steps}")
    history = History()
    source = itertools.cycle(batches) if not hasattr(batches, "__next__") else batches
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
        elif step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    return history


def save_checkpoint(path, model, **settings):
    """Save a model's state dict with the keyword settings that rebuild it (e.g. sizes, vocab)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "settings": settings}, path)
    return path


def load_checkpoint(path, build):
    """Rebuild a model with ``build(**settings)``, load its weights; returns (model, settings)."""
    import torch

    checkpoint = torch.load(Path(path), map_location="cpu", weights_only=True)
    model = build(**checkpoint["settings"])
    model.load_state_dict(checkpoint["state_dict"])
    return model, checkpoint["settings"]
