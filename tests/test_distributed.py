"""Data-parallel training of the character LM with torch.distributed (gloo on the CPU): two
processes, each reading half of the lanes, take the same steps as one process reading all of
them; rank 0's checkpoint loads in a single process; a batch that does not split evenly over
the processes is refused with a clear message."""

import json

import numpy as np
import pytest
import torch

from rnncourse.apps.charlm import CharLM, generate, lm_batches, load_char_lm, train_from_args
from rnncourse.apps.distributed import lane_slice, spawn
from rnncourse.cli import build_parser, main

TEXT = "the cat sat on the mat; the dog sat on the log.\n" * 40


def _train_options(text, checkpoint, *extra):
    """A small, dropout-free model and a few steps of rnncourse train."""
    return ["train", "--text", str(text), "--hidden", "8", "--steps", "6", "--eval-every", "6",
            "--batch", "4", "--seq", "10", "--lr", "1e-2", "--save", str(checkpoint), *extra]


def _train_in_float64(args):
    """One rank of the data-parallel run, in float64 (module level, so spawn can pickle it)."""
    torch.set_default_dtype(torch.float64)
    train_from_args(args)


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def float64():
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(saved)


def test_lanes_split_the_global_batch_and_keep_each_lane_whole():
    ids = np.arange(1000)
    whole = lm_batches(ids, 4, 10, seed=3)
    shares = [lm_batches(ids, 4, 10, seed=3, lanes=lane_slice(4, 2, rank)) for rank in (0, 1)]
    for _ in range(30):                                   # past an epoch boundary
        x, y, new_epoch = next(whole)
        parts = [next(share) for share in shares]
        assert torch.equal(torch.cat([p[0] for p in parts]), x)
        assert torch.equal(torch.cat([p[1] for p in parts]), y)
        assert all(p[2] == new_epoch for p in parts)
    assert [lane_slice(8, 4, r) for r in range(4)] == [slice(0, 2), slice(2, 4), slice(4, 6),
                                                        slice(6, 8)]


def test_two_processes_take_the_steps_of_one_process_reading_all_lanes(tmp_path, text_file,
                                                                        float64):
    parser = build_parser()
    spawn(_train_in_float64, 2,
          parser.parse_args(_train_options(text_file, tmp_path / "ddp.pt", "--nproc", "2")))
    train_from_args(parser.parse_args(_train_options(text_file, tmp_path / "one.pt")))

    ddp = torch.load(tmp_path / "ddp.pt", weights_only=True)["state_dict"]
    one = torch.load(tmp_path / "one.pt", weights_only=True)["state_dict"]
    torch.manual_seed(0)                                  # the initial weights of both runs
    initial = CharLM(len(set(TEXT)), hidden_size=8).state_dict()
    assert ddp.keys() == one.keys() == initial.keys()
    assert all(p.dtype == torch.float64 for p in [*ddp.values(), *one.values()])
    moved = max((one[k] - initial[k]).abs().max().item() for k in one)
    diff = max((ddp[k] - one[k]).abs().max().item() for k in one)
    assert moved > 1e-3, "training did not change the weights: the comparison would be vacuous"
    assert diff < 1e-6, f"2 processes vs 1: largest weight difference {diff:.1e}"


def test_rank_zeros_checkpoint_loads_in_one_process(tmp_path, text_file, capsys):
    checkpoint, record = tmp_path / "lm.pt", tmp_path / "result.json"
    assert main(_train_options(text_file, checkpoint, "--nproc", "2", "--json", str(record))) == 0
    recorded = json.loads(record.read_text())
    assert recorded["environment"]["processes"] == 2
    assert recorded["environment"]["command"].startswith("python -m rnncourse train --text")
    assert recorded["result"]["batch"] == 4 and recorded["result"]["val_nats"] > 0
    model, vocab = load_char_lm(checkpoint)
    sample, = generate(model, vocab, "the ", 20, generator=torch.Generator().manual_seed(0))
    assert len(sample) == 20 and set(sample) <= set(TEXT)
    assert main(["sample", str(checkpoint), "--prime", "the", "--length", "10"]) == 0


@pytest.mark.parametrize("batch,nproc", [("5", "2"), ("4", "3")])
def test_nproc_refuses_a_batch_that_does_not_split_evenly(tmp_path, text_file, capsys, batch,
                                                          nproc):
    options = _train_options(text_file, tmp_path / "lm.pt", "--nproc", nproc)
    options[options.index("--batch") + 1] = batch
    assert main(options) == 2
    error = capsys.readouterr().err
    assert f"batch size {batch}: expected a multiple of the {nproc} processes" in error
    assert not (tmp_path / "lm.pt").exists()


def test_nproc_must_be_positive(text_file, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(_train_options(text_file, tmp_path / "lm.pt", "--nproc", "0"))
    assert "--nproc: expected a whole number >= 1, got '0'" in capsys.readouterr().err
