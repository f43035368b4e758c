"""A character-level language model on one contiguous stream of text: the model; epochs of
parallel lanes with the state carried across chunks (truncated BPTT); the validation loss
in nats per character over the whole held-out stream; and decoding text from it (greedy,
temperature and top-k sampling, beam search, and how repetitive the result is)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..data.text import CharVocab, lanes, load_text, split_stream, stream_batches
from ..torch.bench import environment as bench_environment
from ..train import OneCycleAdam, load_checkpoint, save_checkpoint, train
from .blocks import detach_state, recurrent_layer
from .distributed import data_parallel, lane_slice, process_group, world


class CharLM(nn.Module):
    """Character language model: embedding -> LSTM/GRU -> linear layer to next-character logits.

    forward(x (N, T) int64, state) -> logits (N, T, V), state; pass the returned
    state back in to continue a stream (truncated BPTT, sampling).
    """

    def __init__(self, vocab_size, embed_dim=64, hidden_size=512, num_layers=1, cell="lstm",
                 dropout=0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        if x.dim() != 2:
            raise ValueError(f"x: expected character indices of shape (N, T), got "
                             f"{tuple(x.shape)}")
        out, state = self.rnn(self.embed(x), state)
        return self.head(self.drop(out)), state


def lm_batches(ids, batch_size, seq_len, seed=0, lanes=slice(None)):
    """Endless epochs of :func:`rnncourse.data.stream_batches`: yields (x, y, new_epoch).

    Each epoch starts the lanes at a random offset below ``seq_len``, so chunk
    boundaries differ between epochs; ``new_epoch`` is True on an epoch's first chunk.
    x, y: int64 (L, seq_len), the rows ``lanes`` of the global (batch_size, seq_len)
    batch (all of them by default; one process's share in data-parallel training, see
    :func:`rnncourse.apps.distributed.lane_slice`).
    """
    rng = np.random.default_rng(seed)
    while True:
        offset = int(rng.integers(seq_len))
        for k, (x, y) in enumerate(stream_batches(ids[offset:], batch_size, seq_len)):
            yield torch.from_numpy(x[lanes]), torch.from_numpy(y[lanes]), k == 0


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

    The stream is cut into ``n_lanes`` contiguous lanes (:func:`~rnncourse.data.lanes`)
    read in chunks of ``chunk`` characters with the state carried, the last chunk of each
    lane shorter, so almost every character is predicted from hundreds of characters of
    context. Every lane is scored to its end; only the last ``(len(ids) - 1) % n_lanes``
    characters (fewer than ``n_lanes``) are left out. At temperature tau the model's logits
    are divided by tau before the softmax. Returns {tau: nats per character}.
    """
    was_training = model.training
    model.eval()
    totals = dict.fromkeys(temperatures, 0.0)
    count, state = 0, None
    xs, ys = lanes(ids, n_lanes)
    device = next(model.parameters()).device
    with torch.no_grad():
        for start in range(0, xs.shape[1], chunk):
            x, y = xs[:, start:start + chunk], ys[:, start:start + chunk]
            logits, state = model(torch.from_numpy(x).to(device), state)
            flat = logits.reshape(-1, logits.shape[-1])
            target = torch.from_numpy(y).to(device).reshape(-1)
            for tau in temperatures:
                totals[tau] += torch.nn.functional.cross_entropy(flat / tau, target,
                                                                 reduction="sum").item()
            count += target.numel()
    model.train(was_training)
    return {tau: total / count for tau, total in totals.items()}


#: Chapter 9's split of its corpus, contiguous in time: train, validation, test.
CHAR_LM_FRACTIONS = (0.9, 0.05, 0.05)


def split_corpus(text, fractions=CHAR_LM_FRACTIONS):
    """Split ``text`` in time and encode it with a vocabulary built from the training part
    only. Returns (vocab, train_ids, val_ids, test_ids), or (vocab, train_ids, val_ids) for
    two fractions; a held-out character missing from the training part raises ValueError."""
    vocab = CharVocab(text[:int(len(text) * fractions[0])])
    return (vocab, *split_stream(vocab.encode(text), fractions))


def bits_per_char(nats):
    """Convert nats per character to bits per character (divide by ln 2)."""
    return nats / math.log(2)


def train_char_lm(train_ids, val_ids, vocab_size, *, cell="lstm", hidden_size=512, num_layers=1,
                  embed_dim=64, dropout=0.0, batch_size=32, seq_len=100, steps=2600, lr=3e-3,
                  clip=1.0, eval_every=500, device="cpu", seed=0, progress=True):
    """Train a :class:`CharLM` with truncated BPTT over the training stream.

    Adam with a one-cycle learning rate (:class:`OneCycleAdam`), gradient-norm
    clipping, and the validation loss (nats/char, :func:`stream_nll`) every
    ``eval_every`` steps. Returns (model, history).

    Inside a process group (:func:`rnncourse.apps.distributed.process_group`) each
    process reads its share of the ``batch_size`` lanes, ``DistributedDataParallel``
    averages the gradients, and rank 0 alone evaluates and shows progress; the steps,
    and so the returned model, are those of one process reading all the lanes.
    """
    rank, world_size = world()
    lanes = lane_slice(batch_size, world_size, rank)
    torch.manual_seed(seed)
    model = CharLM(vocab_size, embed_dim, hidden_size, num_layers, cell, dropout).to(device)
    if world_size > 1:
        torch.manual_seed(seed + rank)      # each process draws its own dropout masks
    optimizer = OneCycleAdam(model.parameters(), lr, steps)
    history = train(data_parallel(model), TBPTTLoss(),
                    lm_batches(train_ids, batch_size, seq_len, seed, lanes), optimizer, steps,
                    clip=clip, eval_every=eval_every,
                    evaluate=(lambda _: {"val_nats": stream_nll(model, val_ids)[1.0]})
                    if rank == 0 else None,
                    desc=f"{num_layers}x{hidden_size} {cell.upper()}",
                    progress=progress and rank == 0)
    return model, history


def train_from_args(args):
    """Train and validate on chapter 9's split (:func:`split_corpus`, the test part unused);
    print and return the validation nats/char.

    ``args`` holds the options of ``rnncourse train`` (see ``rnncourse.cli``). The
    checkpoint (``--save``) holds the weights, the sizes and the vocabulary, so
    ``rnncourse sample`` can rebuild the model from it alone; ``--json`` records the
    result with the machine, the versions and ``args.command``. Started as one of
    several processes (``--nproc``, torchrun), it trains data-parallel; rank 0 prints
    and writes the files, and returns the result, the other ranks return None.
    """
    with process_group(args.device) as device:
        rank, world_size = world()
        text = load_text("tinyshakespeare") if args.text is None else \
            Path(args.text).read_text(encoding="utf-8")
        vocab, train_ids, val_ids, _ = split_corpus(text)
        start = time.perf_counter()
        model, history = train_char_lm(
            train_ids, val_ids, len(vocab), cell=args.cell, hidden_size=args.hidden,
            num_layers=args.layers, dropout=args.dropout, batch_size=args.batch,
            seq_len=args.seq, steps=args.steps, lr=args.lr, eval_every=args.eval_every,
            device=device)
        seconds = time.perf_counter() - start
        if rank != 0:
            return None
        nats = history.metric("val_nats")[-1]
        where = f"{device}" if world_size == 1 else f"{world_size} processes on {device.type}"
        print(f"validation {nats:.4f} nats/char = {bits_per_char(nats):.4f} bits/char after "
              f"{args.steps} steps in {seconds:.0f} s on {where}")
        if args.save:
            save_checkpoint(args.save, model, vocab_size=len(vocab), embed_dim=64,
                            hidden_size=args.hidden, num_layers=args.layers, cell=args.cell,
                            dropout=args.dropout, chars="".join(vocab.chars))
            print(f"saved {args.save}")
        if args.json:
            environment = {**bench_environment(device), "processes": world_size,
                           "command": args.command}
            result = {"val_nats": nats, "val_bits_per_char": bits_per_char(nats),
                      "seconds": seconds,         # wall time of training and its evaluations
                      "train_characters": args.steps * args.batch * args.seq,
                      **{name: getattr(args, name) for name in
                         ("cell", "hidden", "layers", "dropout", "batch", "seq", "steps", "lr")}}
            path = Path(args.json)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"environment": environment, "result": result},
                                       indent=1))
            print(f"wrote {path}")
    return nats


def load_char_lm(path):
    """Rebuild a model saved by :func:`train_from_args`: returns (model in eval mode, vocab)."""
    model, settings = load_checkpoint(path, lambda chars, **sizes: CharLM(**sizes))
    return model.eval(), CharVocab(settings["chars"])


def next_char_probs(logits, temperature=1.0, top_k=None):
    """Probabilities (N, V) from logits (N, V): softmax(logits / temperature) restricted to the
    ``top_k`` most likely characters (renormalised). temperature 0 means greedy: all
    probability on the argmax."""
    if temperature < 0:
        raise ValueError(f"temperature: expected a value >= 0, got {temperature}")
    if top_k is not None and not 1 <= top_k <= logits.shape[-1]:
        raise ValueError(f"top_k: expected 1..{logits.shape[-1]}, got {top_k}")
    if temperature == 0:
        return torch.nn.functional.one_hot(logits.argmax(-1), logits.shape[-1]).to(logits.dtype)
    scaled = logits / temperature
    if top_k is not None:
        kth = torch.topk(scaled, top_k, dim=-1).values[..., -1:]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(scaled, dim=-1)


def generate(model, vocab, prime, length, *, temperature=1.0, top_k=None, n_samples=1,
             generator=None):
    """Continue ``prime`` by ``length`` characters, ``n_samples`` times in parallel.

    The prime is read once to set the state; then each step samples a character
    from :func:`next_char_probs` and feeds it back. Returns a list of strings
    (the continuations, without the prime).
    """
    model.eval()
    x = torch.as_tensor(vocab.encode(prime)).repeat(n_samples, 1)
    out = []
    with torch.no_grad():
        logits, state = model(x)
        for _ in range(length):
            probs = next_char_probs(logits[:, -1], temperature, top_k)
            nxt = torch.multinomial(probs, 1, generator=generator)
            out.append(nxt)
            logits, state = model(nxt, state)
    ids = torch.cat(out, dim=1)
    return [vocab.decode(row.tolist()) for row in ids]


def _select_state(state, idx):
    if isinstance(state, tuple):
        return tuple(s[:, idx] for s in state)
    return state[:, idx]


def beam_search(model, vocab, prime, length, beam_width=5):
    """The continuation of ``length`` characters with (approximately) the highest probability.

    Keeps the ``beam_width`` best partial continuations by total log-probability;
    each step extends every one by every character and keeps the best
    ``beam_width`` of the results. All candidates have the same length, so no
    length normalisation is needed. Returns (text, total log-probability in nats).
    """
    model.eval()
    with torch.no_grad():
        logits, state = model(torch.as_tensor(vocab.encode(prime))[None])
        scores = torch.zeros(1)
        seqs = torch.zeros(1, 0, dtype=torch.int64)
        for _ in range(length):
            logp = torch.log_softmax(logits[:, -1], dim=-1)            # (beams, V)
            total = (scores[:, None] + logp).reshape(-1)
            scores, flat = torch.topk(total, min(beam_width, total.numel()))
            beam, char = flat // logp.shape[1], flat % logp.shape[1]
            seqs = torch.cat([seqs[beam], char[:, None]], dim=1)
            logits, state = model(char[:, None], _select_state(state, beam))
    return vocab.decode(seqs[0].tolist()), float(scores[0])


def repetition_rate(text, n=20):
    """Share of the n-character substrings of ``text`` that already occurred earlier in it.

    Near 0 for varied text; near 1 when generation falls into a loop.
    """
    if len(text) <= n:
        raise ValueError(f"repetition_rate: expected a text longer than n={n}, got {len(text)}")
    seen, repeats = set(), 0
    for i in range(len(text) - n + 1):
        gram = text[i:i + n]
        repeats += gram in seen
        seen.add(gram)
    return repeats / (len(text) - n + 1)
