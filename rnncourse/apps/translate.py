"""Translation with a GRU encoder-decoder, with or without additive (Bahdanau) attention:
the model, vocabularies and tensors for sentence pairs, teacher-forced training with model
selection on validation, greedy and beam decoding, the retrieval baseline, and corpus BLEU."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..data.tokens import BOS, BOS_ID, EOS, EOS_ID, PAD_ID, TokenVocab, pad_batch
from ..data.translation import words_and_punctuation
from ..metrics import corpus_bleu
from ..reference.attention import MASKED_SCORE
from ..train import shuffled_batches, train


class Encoder(nn.Module):
    """Embedding + GRU over a padded source batch: src (N, S), lengths (N,) ->
    outputs (N, S, H) (zero at padding) and the final state h_n (1, N, H) of each sequence."""

    def __init__(self, vocab_size, embed_dim, hidden_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.rnn = nn.GRU(embed_dim, hidden_size, batch_first=True)

    def forward(self, src, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), lengths.cpu(),
                                                   batch_first=True, enforce_sorted=False)
        out, h_n = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                  total_length=src.shape[1])
        return out, h_n


class AdditiveAttention(nn.Module):
    """Bahdanau attention, the torch twin of ``rnncourse.reference.additive_attention_forward``:
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
        weights = torch.softmax(scores.masked_fill(~mask, MASKED_SCORE), dim=1)
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
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
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

    Target sequences start with ``bos`` and end with ``eos``; :data:`PAD_ID` is padding
    in both vocabularies.
    """

    def __init__(self, src_vocab, tgt_vocab, embed_dim=128, hidden_size=256, attention=True,
                 bos=BOS_ID, eos=EOS_ID):
        super().__init__()
        self.bos, self.eos = bos, eos
        self.encoder = Encoder(src_vocab, embed_dim, hidden_size)
        self.decoder = Decoder(tgt_vocab, embed_dim, hidden_size, attention)

    def forward(self, src, src_len, tgt_in):
        """Teacher-forced logits (N, T, V) and attention weights (N, T, S) or None."""
        enc_out, h_n = self.encoder(src, src_len)
        return self.decoder(tgt_in, h_n, enc_out, src != PAD_ID)

    @torch.no_grad()
    def greedy(self, src, src_len, max_len=20):
        """Most likely token at every step, for a batch: ids (N, max_len) padded with PAD_ID after
        ``eos`` (eos excluded), attention weights (N, max_len, S) or None."""
        enc_out, state = self.encoder(src, src_len)
        mask = src != PAD_ID
        keys = self.decoder.attention.W_k(enc_out) if self.decoder.attention else None
        y = torch.full((src.shape[0],), self.bos, dtype=torch.int64)
        done = torch.zeros(src.shape[0], dtype=torch.bool)
        out, weights = [], []
        for _ in range(max_len):
            logits, state, w = self.decoder.step(y, state, enc_out, mask, keys)
            y = logits.argmax(dim=1)
            done |= y == self.eos
            out.append(y.masked_fill(done, PAD_ID))
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
                y, states, enc_out.expand(k, -1, -1), (src != PAD_ID).expand(k, -1),
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


def build_vocabs(train_split, min_freq_src=1, min_freq_tgt=2):
    """Source and target :class:`TokenVocab` from the training split only ({eng: [fra, ...]}).
    The target vocabulary has ``<bos>`` at :data:`BOS_ID` and ``<eos>`` at :data:`EOS_ID`."""
    src = TokenVocab([words_and_punctuation(e) for e in train_split], min_freq_src)
    tgt = TokenVocab([words_and_punctuation(f) for fs in train_split.values() for f in fs],
                     min_freq_tgt, extra=(BOS, EOS))
    return src, tgt


def encode_pairs(split, src_vocab, tgt_vocab):
    """One (source ids, target ids + eos) pair per translation in a split {eng: [fra, ...]}."""
    return [(src_vocab.encode(words_and_punctuation(e)),
             tgt_vocab.encode(words_and_punctuation(f)) + [EOS_ID])
            for e, fs in split.items() for f in fs]


def pair_batches(pairs, batch_size, bos, seed=0):
    """Endless shuffled batches (src (B, S), src_len (B,), tgt_in (B, T), tgt_out (B, T)).

    tgt_in is ``bos`` followed by the target shifted right: teacher forcing feeds
    the true previous token at every step. (Where a short target's ``eos`` lands in
    tgt_in, the target is padding, which the loss ignores.)
    """
    for idx in shuffled_batches(len(pairs), batch_size, seed):
        src, src_len = pad_batch([pairs[i][0] for i in idx])
        tgt_out, _ = pad_batch([pairs[i][1] for i in idx])
        tgt_in = np.concatenate([np.full((len(idx), 1), bos), tgt_out[:, :-1]], axis=1)
        yield (torch.from_numpy(src), torch.from_numpy(src_len), torch.from_numpy(tgt_in),
               torch.from_numpy(tgt_out))


def seq2seq_loss(model, batch):
    """Mean cross-entropy over the real (non-padding) target tokens, teacher forced."""
    src, src_len, tgt_in, tgt_out = batch
    logits, _ = model(src, src_len, tgt_in)
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                             tgt_out.reshape(-1), ignore_index=PAD_ID)


def fit_seq2seq(model, train_pairs, val_pairs, steps, *, lr=2e-3, batch_size=64,
                eval_every=None, max_eval=None, desc="seq2seq"):
    """Adam on :func:`seq2seq_loss` with clipping; returns the :class:`History`.

    The validation loss (on the first ``max_eval`` validation pairs, if given: a
    budget for quick runs) is measured every ``eval_every`` steps, and the weights
    with the lowest one are restored at the end (early stopping in hindsight).
    """
    val_pairs = val_pairs[:max_eval]
    val_batch = next(pair_batches(val_pairs, len(val_pairs), model.bos))

    def evaluate(m):
        return {"val_loss": seq2seq_loss(m, val_batch).item()}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    return train(model, seq2seq_loss, pair_batches(train_pairs, batch_size, model.bos),
                 optimizer, steps, clip=1.0, evaluate=evaluate,
                 eval_every=eval_every or max(steps // 10, 1), keep_best="val_loss", desc=desc)


def translate(model, sentences, src_vocab, tgt_vocab, beam_width=None, max_len=20):
    """Translate normalised English sentences: greedy (``beam_width`` None) or beam search.
    Returns lists of target tokens."""
    model.eval()
    ids = [src_vocab.encode(words_and_punctuation(s)) or [src_vocab.unk] for s in sentences]
    if beam_width is None:
        src, src_len = pad_batch(ids)
        out, _ = model.greedy(torch.from_numpy(src), torch.from_numpy(src_len), max_len)
        return [[tgt_vocab.tokens[i] for i in row if i != PAD_ID] for row in out.tolist()]
    return [[tgt_vocab.tokens[i] for i in model.beam(s, beam_width, max_len)] for s in ids]


def split_bleu(hypotheses, split):
    """Corpus BLEU of tokenised ``hypotheses``, one per English sentence of ``split``
    ({eng: [fra, ...]}) in its order, all translations of a sentence serving as references."""
    if len(hypotheses) != len(split):
        raise ValueError(f"split_bleu: expected one hypothesis per sentence ({len(split)}), "
                         f"got {len(hypotheses)}")
    refs = [[words_and_punctuation(f) for f in split[e]] for e in split]
    return corpus_bleu(refs, hypotheses)


def bleu(model, split, src_vocab, tgt_vocab, beam_width=None):
    """Corpus BLEU of the model's translations of a split {eng: [fra, ...]}."""
    return split_bleu(translate(model, list(split), src_vocab, tgt_vocab, beam_width), split)


class RetrievalTranslator:
    """The retrieval baseline: translate a sentence by the (first) French translation of the
    most similar English sentence in the training split.

    Similarity is the cosine between TF-IDF-weighted counts of the sentences' tokens
    (:func:`words_and_punctuation`); ties go to the earlier training sentence.
    """

    def __init__(self, train_split):
        from scipy import sparse

        self._sparse = sparse
        self.english = list(train_split)
        self.french = [words_and_punctuation(train_split[e][0]) for e in self.english]
        tokens = [words_and_punctuation(e) for e in self.english]
        self.index = {t: i for i, t in enumerate(sorted({t for ts in tokens for t in ts}))}
        counts = self._counts(tokens)                               # (n_train, V)
        df = np.bincount(counts.indices, minlength=len(self.index))
        self.idf = np.log(len(tokens) / np.maximum(df, 1)) + 1.0
        self.train_vectors = self._normalise(counts)

    def _counts(self, token_lists):
        rows = [i for i, ts in enumerate(token_lists) for t in ts if t in self.index]
        cols = [self.index[t] for ts in token_lists for t in ts if t in self.index]
        return self._sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                       shape=(len(token_lists), len(self.index)))

    def _normalise(self, counts):
        weighted = counts.multiply(self.idf[None]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1))).ravel()
        return self._sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ weighted

    def nearest(self, sentences):
        """Index of the most similar training sentence for each English sentence."""
        vectors = self._normalise(self._counts([words_and_punctuation(s) for s in sentences]))
        similarity = (vectors @ self.train_vectors.T).toarray()     # (n, n_train)
        return similarity.argmax(axis=1)

    def translate(self, sentences):
        """Tokenised French for each English sentence."""
        return [self.french[i] for i in self.nearest(sentences)]
