"""Decoding from a character LM: the distributions, generation, beam search, repetition."""

import pytest
import torch

from rnncourse.apps.charlm import CharLM, beam_search, generate, next_char_probs, repetition_rate
from rnncourse.data import CharVocab


@pytest.fixture
def lm():
    torch.manual_seed(0)
    vocab = CharVocab("abcde \n")
    return CharLM(len(vocab), embed_dim=4, hidden_size=8), vocab


def test_temperature_top_k_and_greedy():
    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0]])
    p1 = next_char_probs(logits)
    torch.testing.assert_close(p1, torch.softmax(logits, -1))
    cold, hot = next_char_probs(logits, 0.5), next_char_probs(logits, 2.0)
    assert cold[0, 0] > p1[0, 0] > hot[0, 0]                    # lower temperature: sharper
    top2 = next_char_probs(logits, 1.0, top_k=2)
    assert (top2[0, 2:] == 0).all()
    torch.testing.assert_close(top2[0, :2], torch.softmax(logits[0, :2], -1))
    assert next_char_probs(logits, 0).tolist() == [[1.0, 0.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match="top_k"):
        next_char_probs(logits, 1.0, top_k=5)


def test_generate_greedy_is_deterministic_and_uses_the_vocabulary(lm):
    model, vocab = lm
    a = generate(model, vocab, "ab", 30, temperature=0, n_samples=2)
    assert a[0] == a[1] and len(a[0]) == 30 and set(a[0]) <= set(vocab.chars)
    g = torch.Generator().manual_seed(1)
    samples = generate(model, vocab, "ab", 30, temperature=1.0, n_samples=3, generator=g)
    assert len(set(samples)) > 1


def _logprob(model, vocab, prime, text):
    ids = torch.as_tensor(vocab.encode(prime + text))[None]
    with torch.no_grad():
        logits, _ = model(ids[:, :-1])
    logp = torch.log_softmax(logits, -1)[0, len(prime) - 1:]
    return float(logp.gather(1, ids[0, len(prime):, None]).sum())


def test_beam_search_scores_are_exact_and_beat_greedy(lm):
    model, vocab = lm
    greedy = generate(model, vocab, "ab", 12, temperature=0)[0]
    text, score = beam_search(model, vocab, "ab", 12, beam_width=8)
    assert score == pytest.approx(_logprob(model, vocab, "ab", text), abs=1e-4)
    assert score >= _logprob(model, vocab, "ab", greedy) - 1e-4
    one, _ = beam_search(model, vocab, "ab", 12, beam_width=1)
    assert one == greedy                                          # width 1 is greedy search


def test_repetition_rate():
    assert repetition_rate("abcdefghij", n=3) == 0.0
    assert repetition_rate("ab" * 50, n=4) == pytest.approx(95 / 97)  # 2 new grams
