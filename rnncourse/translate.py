"""Training and evaluating the translation models of ``rnncourse.models.Seq2Seq``:
vocabularies and tensors for sentence pairs, teacher-forced training, decoding, BLEU."""

from __future__ import annotations

import copy

import numpy as np
import torch

from .data.tokens import TokenVocab, pad_batch
from .data.translation import tokenize
from .metrics import corpus_bleu
from .train import train

BOS, EOS = "<bos>", "<eos>"


def build_vocabs(train_split, min_freq_src=1, min_freq_tgt=2):
    """Source and target :class:`TokenVocab` from the training split only ({eng: [fra, ...]}).
    The target vocabulary has ``<bos>`` = 2 and ``<eos>`` = 3."""
    src = TokenVocab([tokenize(e) for e in train_split], min_freq_src)
    tgt = TokenVocab([tokenize(f) for fs in train_split.values() for f in fs], min_freq_tgt,
                     extra=(BOS, EOS))
    return src, tgt


def encode_pairs(split, src_vocab, tgt_vocab):
    """One (source ids, target ids + eos) pair per translation in a split {eng: [fra, ...]}."""
    eos = tgt_vocab.index[EOS]
    return [(src_vocab.encode(tokenize(e)), tgt_vocab.encode(tokenize(f)) + [eos])
            for e, fs in split.items() for f in fs]


def pair_batches(pairs, batch_size, bos, seed=0):
    """Endless shuffled batches (src (B, S), src_len (B,), tgt_in (B, T), tgt_out (B, T)).

    tgt_in is ``bos`` followed by the target shifted right: teacher forcing feeds
    the true previous token at every step. (Where a short target's ``eos`` lands in
    tgt_in, the target is padding, which the loss ignores.)
    """
    gen = torch.Generator().manual_seed(seed)
    while True:
        for idx in torch.randperm(len(pairs), generator=gen).split(batch_size):
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
                                             tgt_out.reshape(-1), ignore_index=0)


def fit_seq2seq(model, train_pairs, val_pairs, steps, *, lr=2e-3, batch_size=64,
                eval_every=None, desc="seq2seq"):
    """Adam on :func:`seq2seq_loss` with clipping; returns the :class:`History`.

    The validation loss is measured every ``eval_every`` steps, and the weights
    with the lowest one are restored at the end (early stopping in hindsight).
    """
    val_batch = next(pair_batches(val_pairs, len(val_pairs), model.bos))
    best = {"loss": float("inf"), "state": None}

    def evaluate(m):
        loss = seq2seq_loss(m, val_batch).item()
        if loss < best["loss"]:
            best.update(loss=loss, state=copy.deepcopy(m.state_dict()))
        return {"val_loss": loss}

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = train(model, seq2seq_loss, pair_batches(train_pairs, batch_size, model.bos),
                    optimizer, steps, clip=1.0, evaluate=evaluate,
                    eval_every=eval_every or max(steps // 10, 1), desc=desc)
    model.load_state_dict(best["state"])
    model.eval()
    return history


def translate(model, sentences, src_vocab, tgt_vocab, beam_width=None, max_len=20):
    """Translate normalised English sentences: greedy (``beam_width`` None) or beam search.
    Returns lists of target tokens."""
    model.eval()
    ids = [src_vocab.encode(tokenize(s)) or [src_vocab.unk] for s in sentences]
    if beam_width is None:
        src, src_len = pad_batch(ids)
        out, _ = model.greedy(torch.from_numpy(src), torch.from_numpy(src_len), max_len)
        return [[tgt_vocab.tokens[i] for i in row if i != 0] for row in out.tolist()]
    return [[tgt_vocab.tokens[i] for i in model.beam(s, beam_width, max_len)] for s in ids]


def bleu(model, split, src_vocab, tgt_vocab, beam_width=None):
    """Corpus BLEU of the model's translations of a split {eng: [fra, ...]}, all translations
    of a sentence serving as its references."""
    english = list(split)
    hyps = translate(model, english, src_vocab, tgt_vocab, beam_width)
    refs = [[tokenize(f) for f in split[e]] for e in english]
    return corpus_bleu(refs, hyps)
