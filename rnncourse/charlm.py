"""Training and evaluating a character language model on one contiguous stream of text:
epochs of parallel lanes with the state carried across chunks (truncated BPTT), and the
validation loss in nats per character over the whole held-out stream."""

from __future__ import annotations

import math

import numpy as np
import torch

from .data.text import CharVocab, load_text, split_stream, stream_batches
from .models import CharLM, detach_state
from .train import train


def lm_batches(ids, batch_size, seq_len, seed=0):
    """Endless epochs of :func:`rnncourse.data.stream_batches`: yields (x, y, new_epoch).

    Each epoch starts the lanes at a random offset below ``seq_len``, so chunk
    boundaries differ between epochs; ``new_epoch`` is True on an epoch's first chunk.
    """
    rng = np.random.default_rng(seed)
    while True:
        offset = int(rng.integers(seq_len))
        for k, (x, y) in enumerate(stream_batches(ids[offset:], batch_size, seq_len)):
            yield torch.from_numpy(x), torch.from_numpy(y), k == 0


class TBPTTLoss:
    """Loss function for :func:`rnncourse.train.train` that carries the recurrent state.

    Chunk k+1 of every lane continues chunk k, so the final state of one step is
    the initial state of the next, detached: gradients flow back ``seq_len``
    steps at most, while the state itself remembers further. The state is reset
    at the start of every epoch.
    """

    def __init__(self):
        self.state = None

    def __call__(self, model, batch):
        x, y, new_epoch = batch
        device = next(model.parameters()).device
        x, y = x.to(device), y.to(device)
        if new_epoch:
            self.state = None
        logits, state = model(x, self.state)
        self.state = detach_state(state)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 y.reshape(-1))


def stream_nll(model, ids, n_lanes=16, chunk=500, temperatures=(1.0,)):
    """Mean negative log-likelihood (nats/char) of a held-out stream, for each temperature.

    The stream is cut into ``n_lanes`` contiguous lanes read in chunks with the
    state carried, so almost every character is predicted from hundreds of
    characters of context. At temperature tau the model's logits are divided by
    tau before the softmax. Returns {tau: nats per character}.
    """
    was_training = model.training
    model.eval()
    totals = dict.fromkeys(temperatures, 0.0)
    count, state = 0, None
    lane = (len(ids) - 1) // n_lanes
    with torch.no_grad():
        for x, y in stream_batches(ids, n_lanes, min(chunk, lane)):
            device = next(model.parameters()).device
            logits, state = model(torch.from_numpy(x).to(device), state)
            flat = logits.reshape(-1, logits.shape[-1])
            target = torch.from_numpy(y).to(device).reshape(-1)
            for tau in temperatures:
                totals[tau] += torch.nn.functional.cross_entropy(flat / tau, target,
                                                                 reduction="sum").item()
            count += target.numel()
    model.train(was_training)
    return {tau: total / count for tau, total in totals.items()}


def bits_per_char(nats):
    """Convert nats per character to bits per character (divide by ln 2)."""
    return nats / math.log(2)


class OneCycleAdam:
    """Adam whose learning rate follows a one-cycle schedule: a short warm-up to ``lr``, then a
    cosine decay to ``lr / 100`` at the last step. Has the ``zero_grad``/``step`` interface
    that :func:`rnncourse.train.train` uses."""

    def __init__(self, params, lr, total_steps, warmup=0.05):
        self.optimizer = torch.optim.Adam(params, lr=lr)
        self.scheduler = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=lr, total_steps=total_steps,
            pct_start=max(warmup, 2.5 / total_steps), anneal_strategy="cos", final_div_factor=100)

    def zero_grad(self, set_to_none=True):
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def step(self):
        self.optimizer.step()
        self.scheduler.step()

    @property
    def lr(self):
        return self.optimizer.param_groups[0]["lr"]


def train_char_lm(train_ids, val_ids, vocab_size, *, cell="lstm", hidden_size=512, num_layers=1,
                  embed_dim=64, dropout=0.0, batch_size=32, seq_len=100, steps=2600, lr=3e-3,
                  clip=1.0, eval_every=500, device="cpu", seed=0, progress=True):
    """Train a :class:`rnncourse.models.CharLM` with truncated BPTT over the training stream.

    Adam with a one-cycle learning rate (:class:`OneCycleAdam`), gradient-norm
    clipping, and the validation loss (nats/char, :func:`stream_nll`) every
    ``eval_every`` steps. Returns (model, history).
    """
    torch.manual_seed(seed)
    model = CharLM(vocab_size, embed_dim, hidden_size, num_layers, cell, dropout).to(device)
    optimizer = OneCycleAdam(model.parameters(), lr, steps)
    history = train(model, TBPTTLoss(), lm_batches(train_ids, batch_size, seq_len, seed),
                    optimizer, steps, clip=clip, eval_every=eval_every,
                    evaluate=lambda m: {"val_nats": stream_nll(m, val_ids)[1.0]},
                    desc=f"{num_layers}x{hidden_size} {cell.upper()}", progress=progress)
    return model, history


def add_train_arguments(parser):
    """The command-line options of :func:`train_from_args` (shared by ``rnncourse train``)."""
    parser.add_argument("--text", default=None, metavar="FILE",
                        help="UTF-8 text to model (default: the shipped tiny-shakespeare)")
    parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq", type=int, default=100)
    parser.add_argument("--steps", type=int, default=2600)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--eval-every", type=int, default=500)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--save", default=None, help="checkpoint path (optional)")


def train_from_args(args):
    """Train on the first 90% of the text, validate on the last 10%; print and return nats/char.

    The checkpoint (``--save``) holds the weights, the sizes and the vocabulary, so
    ``rnncourse sample`` can rebuild the model from it alone.
    """
    import time
    from pathlib import Path

    from .train import save_checkpoint

    text = load_text("tinyshakespeare") if args.text is None else \
        Path(args.text).read_text(encoding="utf-8")
    vocab = CharVocab(text)
    train_ids, val_ids = split_stream(vocab.encode(text), 0.9)
    start = time.perf_counter()
    model, history = train_char_lm(
        train_ids, val_ids, len(vocab), cell=args.cell, hidden_size=args.hidden,
        num_layers=args.layers, dropout=args.dropout, batch_size=args.batch, seq_len=args.seq,
        steps=args.steps, lr=args.lr, eval_every=args.eval_every, device=args.device)
    nats = history.metric("val_nats")[-1]
    print(f"validation {nats:.4f} nats/char = {bits_per_char(nats):.4f} bits/char after "
          f"{args.steps} steps in {time.perf_counter() - start:.0f} s on {args.device}")
    if args.save:
        save_checkpoint(args.save, model, vocab_size=len(vocab), embed_dim=64,
                        hidden_size=args.hidden, num_layers=args.layers, cell=args.cell,
                        dropout=args.dropout, chars="".join(vocab.chars))
        print(f"saved {args.save}")
    return nats


def load_char_lm(path):
    """Rebuild a model saved by :func:`train_from_args`: returns (model in eval mode, vocab)."""
    from .train import load_checkpoint

    model, settings = load_checkpoint(path, lambda chars, **sizes: CharLM(**sizes))
    return model.eval(), CharVocab(settings["chars"])


def main(argv=None):
    """Command line: train a character LM (``python -m rnncourse.charlm --help``)."""
    import argparse

    parser = argparse.ArgumentParser(description=train_from_args.__doc__.splitlines()[0])
    add_train_arguments(parser)
    return train_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    main()
