"""The course's corpus BLEU against sacreBLEU, the field's reference implementation."""

import pytest

from rnncourse.apps.translate import RetrievalTranslator, split_bleu
from rnncourse.data.translation import load_pairs, split_pairs, words_and_punctuation
from rnncourse.metrics import corpus_bleu


def sacrebleu_score(hypotheses, references):
    """sacreBLEU on already tokenised text: tokens joined by spaces, no tokeniser, no
    smoothing, references padded with None where a sentence has fewer of them."""
    import sacrebleu

    n_refs = max(len(refs) for refs in references)
    streams = [[" ".join(refs[k]) if k < len(refs) else None for refs in references]
               for k in range(n_refs)]
    return sacrebleu.corpus_bleu([" ".join(h) for h in hypotheses], streams, tokenize="none",
                                 smooth_method="none", force=True).score / 100


def test_corpus_bleu_equals_sacrebleu_on_the_test_split():
    train, _, test = split_pairs(load_pairs(), seed=0)
    hypotheses = RetrievalTranslator(train).translate(list(test))
    references = [[words_and_punctuation(f) for f in test[e]] for e in test]
    assert max(len(r) for r in references) > 1                 # several references occur
    ours = split_bleu(hypotheses, test)
    assert ours == pytest.approx(sacrebleu_score(hypotheses, references), abs=1e-12)
    assert 0.05 < ours < 0.5                                   # a real, non-trivial case


def test_corpus_bleu_equals_sacrebleu_with_brevity_penalty_and_clipping():
    hypotheses = [["the", "the", "the", "cat"], ["a", "dog", "sat", "on", "the", "mat"]]
    references = [[["the", "cat", "is", "here", "now"], ["a", "cat", "is", "here"]],
                  [["a", "dog", "sat", "on", "a", "mat", "today"]]]
    assert corpus_bleu(references, hypotheses) == pytest.approx(
        sacrebleu_score(hypotheses, references), abs=1e-12)
