"""PyTorch models for the application chapters, built on ``torch.nn.RNN/LSTM/GRU``.

- :class:`SequenceRegressor`: a window of values -> the next value (forecasting).
- :class:`CharLM`: characters -> next-character logits, with a carried state (language model).
- :class:`SequenceClassifier`: padded token sequences -> class logits, with packing.
- :class:`Encoder`, :class:`AdditiveAttention`, :class:`Decoder`, :class:`Seq2Seq`:
  a GRU encoder-decoder with optional Bahdanau attention (translation).

Every model's constructor takes only plain settings (ints, strings, floats), so
``rnncourse.train.save_checkpoint(path, model, **settings)`` can rebuild it.
"""

from __future__ import annotations

import torch
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def recurrent_layer(cell, input_size, hidden_size, num_layers=1, dropout=0.0, **kwargs):
    """A batch-first ``torch.nn.RNN``/``LSTM``/``GRU`` chosen by name ("rnn", "lstm", "gru")."""
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {sorted(CELLS)}, got {cell!r}")
    return CELLS[cell](input_size, hidden_size, num_layers, batch_first=True,
                       dropout=dropout if num_layers > 1 else 0.0, **kwargs)


class SequenceRegressor(nn.Module):
    """Read a window x (N, T) of scalars (or (N, T, D) features) and predict one value per row (N,)
    from the last hidden state."""

    def __init__(self, cell="gru", hidden_size=32, num_layers=1, input_size=1):
        super().__init__()
        self.input_size = input_size
        self.rnn = recurrent_layer(cell, input_size, hidden_size, num_layers)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x):
        if x.dim() == 2 and self.input_size == 1:
            x = x.unsqueeze(-1)
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"x: expected shape (N, T) or (N, T, {self.input_size}), "
                             f"got {tuple(x.shape)}")
        out, _ = self.rnn(x)
        return self.head(out[:, -1]).squeeze(-1)


class SequenceClassifier(nn.Module):
    """Embedding -> RNN/LSTM/GRU over a padded batch -> linear layer on the last real state.

    ids (N, T) int64 right-padded with ``pad_idx``, lengths (N,) -> logits (N, n_classes).
    The batch is *packed*, so the recurrence stops at each sequence's own length
    and never reads padding: the state used is h at t = length - 1, not at T - 1.
    """

    def __init__(self, vocab_size, n_classes, embed_dim=32, hidden_size=128, cell="gru",
                 num_layers=1, dropout=0.0, pad_idx=0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_idx)
        self.rnn = recurrent_layer(cell, embed_dim, hidden_size, num_layers, dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, ids, lengths):
        if ids.dim() != 2 or lengths.shape != ids.shape[:1]:
            raise ValueError(f"expected ids (N, T) and lengths (N,), got {tuple(ids.shape)} and "
                             f"{tuple(lengths.shape)}")
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        _, state = self.rnn(packed)
        h_n = state[0] if isinstance(state, tuple) else state    # LSTM returns (h_n, c_n)
        return self.head(self.drop(h_n[-1]))



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


def detach_state(state):
    """Cut the graph behind a recurrent state (tensor or LSTM (h, c) tuple): truncated BPTT."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


class Encoder(nn.Module):
    """Embedding + GRU over a padded source batch: src (N, S), lengths (N,) ->
    outputs (N, S, H) (zero at padding) and the final state h_n (1, N, H) of each sequence."""

    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)

    def forward(self, src, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        out, h_n = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                  total_length=src.shape[1])
        return out, h_n


class AdditiveAttention(nn.Module):
    """Bahdanau attention, the torch twin of ``rnncourse.reference.attention``:
    scores e_s = v . tanh(W_q q + W_k k_s), softmax over the real positions, context
    = sum_s a_s k_s. query (N, Hq), keys (N, S, Hk), mask (N, S) bool -> context, weights."""

    def __init__(self, query_size, key_size, attn_size):
        super().__init__()
        self.W_q = nn.Linear(query_size, attn_size, bias=False)
        self.W_k = nn.Linear(key_size, attn_size, bias=False)
        self.v = nn.Parameter(torch.empty(attn_size).uniform_(-attn_size ** -0.5,
                                                              attn_size ** -0.5))

    def forward(self, query, keys, mask, projected_keys=None):
        """``projected_keys`` = W_k keys, if already computed (it is the same at every step)."""
        if projected_keys is None:
            projected_keys = self.W_k(keys)
        scores = torch.tanh(self.W_q(query)[:, None, :] + projected_keys) @ self.v
        weights = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        return torch.einsum("ns,nsh->nh", weights, keys), weights


class Decoder(nn.Module):
    """GRU decoder. Without attention it sees the source only through its initial state (the
    encoder's final state); with attention, each step's input also holds the context
    c_t = attention(s_{t-1}, encoder outputs), and the output layer reads [s_t; c_t]."""

    def __init__(self, vocab_size, embed_dim, hidden_size, attention=True, attn_size=None):
        super().__init__()
        self.attention = (AdditiveAttention(hidden_size, hidden_size, attn_size or hidden_size)
                          if attention else None)
        extra = hidden_size if attention else 0
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.rnn = nn.GRU(embed_dim + extra, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size + extra, vocab_size)

    def _features(self, y_prev, state, enc_out, mask, projected_keys):
        """The output layer's input [s_t; c_t] for one step, the new state and the weights."""
        x = self.embed(y_prev)
        if self.attention is None:
            out, state = self.rnn(x[:, None], state)
            return out[:, 0], state, None
        context, weights = self.attention(state[0], enc_out, mask, projected_keys)
        out, state = self.rnn(torch.cat([x, context], dim=1)[:, None], state)
        return torch.cat([out[:, 0], context], dim=1), state, weights

    def step(self, y_prev, state, enc_out, mask, projected_keys=None):
        """One step: y_prev (N,) int64, state (1, N, H) -> logits (N, V), state, weights (N, S)."""
        features, state, weights = self._features(y_prev, state, enc_out, mask, projected_keys)
        return self.out(features), state, weights

    def forward(self, tgt_in, state, enc_out, mask):
        """Teacher forcing: tgt_in (N, T) holds the true previous tokens -> logits (N, T, V),
        attention weights (N, T, S) or None."""
        if self.attention is None:                       # no feedback: one call for all steps
            out, _ = self.rnn(self.embed(tgt_in), state)
            return self.out(out), None
        keys = self.attention.W_k(enc_out)
        features, weights = [], []
        for t in range(tgt_in.shape[1]):
            f, state, w = self._features(tgt_in[:, t], state, enc_out, mask, keys)
            features.append(f)
            weights.append(w)
        return self.out(torch.stack(features, 1)), torch.stack(weights, 1)


class Seq2Seq(nn.Module):
    """GRU encoder-decoder for translation, with or without additive attention.

    Target sequences start with ``bos`` and end with ``eos``; index 0 is padding
    in both vocabularies.
    """

    def __init__(self, src_vocab, tgt_vocab, embed_dim=128, hidden_size=256, attention=True,
                 bos=2, eos=3):
        super().__init__()
        self.bos, self.eos = bos, eos
        self.encoder = Encoder(src_vocab, embed_dim, hidden_size)
        self.decoder = Decoder(tgt_vocab, embed_dim, hidden_size, attention)

    def forward(self, src, src_len, tgt_in):
        """Teacher-forced logits (N, T, V) and attention weights (N, T, S) or None."""
        enc_out, h_n = self.encoder(src, src_len)
        return self.decoder(tgt_in, h_n, enc_out, src != 0)

    @torch.no_grad()
    def greedy(self, src, src_len, max_len=20):
        """Most likely token at every step, for a batch: ids (N, max_len) padded with 0 after
        ``eos`` (eos excluded), attention weights (N, max_len, S) or None."""
        enc_out, state = self.encoder(src, src_len)
        mask = src != 0
        keys = self.decoder.attention.W_k(enc_out) if self.decoder.attention else None
        y = torch.full((src.shape[0],), self.bos, dtype=torch.int64)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        out, weights = [], []
        for _ in range(max_len):
            logits, state, w = self.decoder.step(y, state, enc_out, mask, keys)
            y = logits.argmax(dim=1)
            done |= y == self.eos
            out.append(y.masked_fill(done, 0))
            weights.append(w)
            if done.all():
                break
        ids = torch.stack(out, 1)
        return ids, (torch.stack(weights, 1) if weights[0] is not None else None)

    @torch.no_grad()
    def beam(self, src_ids, beam_width=5, max_len=20, alpha=1.0):
        """Beam search for one source sentence (list of ids) -> best target ids (eos excluded).

        Hypotheses that emit ``eos`` are set aside; at the end, finished ones are
        ranked by log-probability / length**alpha, so longer outputs are not
        penalised merely for having more factors below 1.
        """
        src = torch.as_tensor(src_ids)[None]
        enc_out, state = self.encoder(src, torch.tensor([len(src_ids)]))
        keys = self.decoder.attention.W_k(enc_out) if self.decoder.attention else None
        beams = [([], 0.0, state)]                            # (tokens, log p, state)
        finished = []
        for _ in range(max_len):
            k = len(beams)
            y = torch.tensor([tokens[-1] if tokens else self.bos for tokens, _, _ in beams])
            states = torch.cat([st for _, _, st in beams], dim=1)
            logits, states, _ = self.decoder.step(
                y, states, enc_out.expand(k, -1, -1), (src != 0).expand(k, -1),
                None if keys is None else keys.expand(k, -1, -1))
            total = (torch.log_softmax(logits, dim=1)
                     + torch.tensor([lp for _, lp, _ in beams])[:, None])
            scores, flat = torch.topk(total.reshape(-1), min(beam_width, total.numel()))
            survivors = []
            for score, idx in zip(scores.tolist(), flat.tolist(), strict=True):
                b, tok = divmod(idx, total.shape[1])
                tokens = beams[b][0] + [tok]
                if tok == self.eos:
                    finished.append((tokens[:-1], score))
                else:
                    survivors.append((tokens, score, states[:, b:b + 1]))
            beams = survivors
            if not beams or len(finished) >= beam_width:
                break
        finished.extend((tokens, lp) for tokens, lp, _ in beams)     # unfinished at max_len
        best = max(finished, key=lambda f: f[1] / max(len(f[0]) + 1, 1) ** alpha)
        return best[0]
