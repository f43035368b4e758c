"""The `rnncourse` command line: train on a text file, sample from the checkpoint, help texts."""

import pytest

from rnncourse.cli import build_parser, main


def test_train_then_sample_from_the_checkpoint(tmp_path, capsys):
    text = tmp_path / "abc.txt"
    text.write_text("abcabcabd\n" * 200, encoding="utf-8")
    checkpoint = tmp_path / "lm.pt"
    assert main(["train", "--text", str(text), "--hidden", "8", "--steps", "30",
                 "--eval-every", "30", "--batch", "4", "--seq", "20", "--lr", "1e-2",
                 "--save", str(checkpoint)]) == 0
    assert "nats/char" in capsys.readouterr().out and checkpoint.exists()
    assert main(["sample", str(checkpoint), "--prime", "ab", "--length", "25", "-n", "2"]) == 0
    samples = capsys.readouterr().out.split("-" * 40 + "\n")[:-1]
    assert len(samples) == 2
    assert all(s.startswith("ab") and len(s) == 2 + 25 + 1 and set(s) <= set("abcd\n")
               for s in samples)


@pytest.mark.parametrize("command", ["grade", "export-exercises", "train", "sample", "bench"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: rnncourse " + command in capsys.readouterr().out
