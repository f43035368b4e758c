"""Decoding text from a character language model: greedy, temperature and top-k sampling,
beam search, and a measure of how repetitive the result is."""

from __future__ import annotations

import torch


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
