"""The application models: shapes, input checks, packing, state carrying, checkpoints."""

import re

import numpy as np
import pytest
import torch

from rnncourse.apps.blocks import recurrent_layer
from rnncourse.apps.charlm import CharLM, TBPTTLoss, bits_per_char, stream_nll
from rnncourse.apps.classify import SequenceClassifier
from rnncourse.apps.forecast import SequenceRegressor
from rnncourse.apps.translate import Seq2Seq
from rnncourse.data.tokens import TokenVocab, pad_batch
from rnncourse.train import load_checkpoint, save_checkpoint


def test_recurrent_layer_rejects_unknown_cells():
    with pytest.raises(ValueError, match="expected one of"):
        recurrent_layer("transformer", 3, 4)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sequence_regressor_shapes(cell):
    model = SequenceRegressor(cell, hidden_size=5)
    assert model(torch.randn(7, 11)).shape == (7,)
    with pytest.raises(ValueError, match=r"expected shape \(N, T\)"):
        model(torch.randn(7, 11, 2))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_classifier_packing_matches_one_sequence_at_a_time(cell):
    torch.manual_seed(0)
    model = SequenceClassifier(20, 3, embed_dim=4, hidden_size=6, cell=cell).eval()
    seqs = [[2, 3], [4, 5, 6, 7, 8], [9]]
    ids, lengths = pad_batch(seqs)
    batch = model(torch.from_numpy(ids), torch.from_numpy(lengths))
    for i, s in enumerate(seqs):
        alone = model(torch.tensor([s]), torch.tensor([len(s)]))
        torch.testing.assert_close(batch[i], alone[0], atol=1e-6, rtol=1e-5)


def test_token_vocab_and_padding():
    vocab = TokenVocab([["a", "b"], ["b", "c"]], min_freq=2)
    assert vocab.tokens == ["<pad>", "<unk>", "b"]
    assert vocab.encode(["b", "z"]) == [2, 1]
    ids, lengths = pad_batch([[5], [6, 7, 8]])
    assert ids.tolist() == [[5, 0, 0], [6, 7, 8]] and lengths.tolist() == [1, 3]
    with pytest.raises(ValueError, match="length 0"):
        pad_batch([[1], []])


def test_char_lm_state_carrying_equals_one_long_pass():
    torch.manual_seed(0)
    model = CharLM(10, embed_dim=4, hidden_size=8).eval()
    x = torch.randint(0, 10, (2, 12))
    whole, _ = model(x)
    first, state = model(x[:, :5])
    second, _ = model(x[:, 5:], state)
    torch.testing.assert_close(torch.cat([first, second], 1), whole, atol=1e-6, rtol=1e-5)


def test_tbptt_loss_detaches_and_resets_state():
    torch.manual_seed(0)
    model = CharLM(10, embed_dim=4, hidden_size=8)
    loss_fn = TBPTTLoss()
    x, y = torch.randint(0, 10, (2, 6)), torch.randint(0, 10, (2, 6))
    loss_fn(model, (x, y, True))
    assert all(not s.requires_grad for s in loss_fn.state)
    second = loss_fn(model, (x, y, False))
    fresh = TBPTTLoss()(model, (x, y, True))
    assert second.item() != pytest.approx(fresh.item())       # the carried state matters


def test_stream_nll_of_a_uniform_model_is_log_v():
    model = CharLM(8, embed_dim=2, hidden_size=3)
    for p in model.head.parameters():
        torch.nn.init.zeros_(p)                                # all logits 0: uniform
    nll = stream_nll(model, np.arange(400) % 8, n_lanes=4, chunk=50, temperatures=(1.0, 0.5))
    assert nll[1.0] == pytest.approx(np.log(8)) and nll[0.5] == pytest.approx(np.log(8))
    assert bits_per_char(np.log(8)) == pytest.approx(3.0)


def test_stream_nll_scores_every_lane_to_its_end():
    torch.manual_seed(0)
    model = CharLM(8, embed_dim=2, hidden_size=3)
    ids = np.arange(403) % 8            # 4 lanes of 100: the last 2 characters are left out
    calls = []
    real_forward = model.forward

    def counting_forward(x, state=None):
        calls.append(x.shape)
        return real_forward(x, state)

    model.forward = counting_forward
    stream_nll(model, ids, n_lanes=4, chunk=30)
    assert [shape[1] for shape in calls] == [30, 30, 30, 10]   # the short last chunk is read


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(0)
    model = CharLM(10, embed_dim=4, hidden_size=8, cell="gru")
    path = save_checkpoint(tmp_path / "lm.pt", model, vocab_size=10, embed_dim=4,
                           hidden_size=8, cell="gru")
    loaded, settings = load_checkpoint(path, lambda **s: CharLM(**s))
    x = torch.randint(0, 10, (1, 5))
    assert settings["cell"] == "gru"
    torch.testing.assert_close(loaded(x)[0], model(x)[0], atol=0, rtol=0)


def _toy_seq2seq(attention):
    torch.manual_seed(0)
    return Seq2Seq(9, 8, embed_dim=6, hidden_size=10, attention=attention).eval()


@pytest.mark.parametrize("attention", [False, True])
def test_seq2seq_greedy_matches_teacher_forcing_on_its_own_output(attention):
    model = _toy_seq2seq(attention)
    src, src_len = torch.tensor([[4, 5, 6], [7, 8, 0]]), torch.tensor([3, 2])
    ids, _ = model.greedy(src, src_len, max_len=6)
    tgt_in = torch.cat([torch.full((2, 1), model.bos), ids[:, :-1]], dim=1)
    logits, weights = model(src, src_len, tgt_in)
    first = logits[:, 0].argmax(1)
    assert torch.equal(first.masked_fill(first == model.eos, 0), ids[:, 0])
    if attention:
        assert (weights[1, :, 2] == 0).all()            # padding gets no attention
        torch.testing.assert_close(weights.sum(-1), torch.ones(2, tgt_in.shape[1]))


@pytest.mark.parametrize("attention", [False, True])
def test_seq2seq_beam_width_one_is_greedy(attention):
    model = _toy_seq2seq(attention)
    greedy, _ = model.greedy(torch.tensor([[4, 5, 6]]), torch.tensor([3]), max_len=6)
    beam = model.beam([4, 5, 6], beam_width=1, max_len=6)
    assert beam == [t for t in greedy[0].tolist() if t != 0]


def test_padding_does_not_change_a_translation():
    model = _toy_seq2seq(True)
    alone, _ = model.greedy(torch.tensor([[7, 8]]), torch.tensor([2]), max_len=5)
    batch, _ = model.greedy(torch.tensor([[4, 5, 6, 4], [7, 8, 0, 0]]), torch.tensor([4, 2]),
                            max_len=5)
    assert batch[1, :alone.shape[1]].tolist() == alone[0].tolist()


def test_char_lm_command_line_trains_and_saves(tmp_path, capsys):
    from rnncourse.cli import main

    code = main(["train", "--hidden", "8", "--steps", "4", "--eval-every", "4", "--batch", "4",
                 "--seq", "20", "--save", str(tmp_path / "lm.pt")])
    nats = float(re.search(r"validation ([0-9.]+) nats/char", capsys.readouterr().out)[1])
    assert code == 0 and 1.0 < nats < 4.5 and (tmp_path / "lm.pt").exists()
