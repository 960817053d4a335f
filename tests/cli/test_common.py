"""Shared command-line pieces: the shape parser, the training arguments and the epoch progress bar."""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import pytest

from eas.cli import common
from eas.cli.common import (
    DEFAULT_EPOCHS,
    EpochBar,
    add_training_arguments,
    epochs_text,
    final_accuracy_lines,
    parse_shape,
    training_config,
)
from eas.train import Progress, TrainConfig


# ----- parse_shape -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "shape"),
    [("1,28,28", (1, 28, 28)), ("3x32x32", (3, 32, 32)), ("3, 32, 32", (3, 32, 32)), ("1x8,8", (1, 8, 8))],
)
def test_parse_shape_reads_commas_and_x(text: str, shape: tuple[int, int, int]) -> None:
    assert parse_shape(text) == shape


@pytest.mark.parametrize("text", ["1,28", "1,28,28,3", "", "a,b,c", "-1,28,28", "1.5,28,28", "1,,28"])
def test_parse_shape_rejects_other_text_with_an_example(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        parse_shape(text)
    assert str(raised.value) == f"expected C,H,W such as 1,28,28, got {text!r}"


def test_parse_shape_errors_reach_the_user_through_argparse(capsys) -> None:
    parser = argparse.ArgumentParser(prog="eas")
    parser.add_argument("--input-shape", type=parse_shape)
    with pytest.raises(SystemExit):
        parser.parse_args(["--input-shape", "28x28"])
    assert "expected C,H,W such as 1,28,28, got '28x28'" in capsys.readouterr().err


# ----- training arguments ------------------------------------------------------------------------
def training_parser(**keywords: Any) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eas")
    add_training_arguments(parser, **keywords)
    return parser


def test_training_argument_defaults_are_train_config_defaults_except_epochs() -> None:
    recipe = TrainConfig()
    args = training_parser().parse_args([])
    assert args.epochs == DEFAULT_EPOCHS != recipe.epochs
    assert args.lr == recipe.learning_rate
    assert args.batch_size == recipe.batch_size
    assert args.weight_decay == recipe.weight_decay
    assert args.schedule == recipe.schedule
    assert args.warmup_steps == recipe.warmup_steps
    assert args.no_augment is (not recipe.augment)
    assert args.train_subset == recipe.train_subset
    assert args.seed == recipe.seed
    assert args.device == recipe.device
    # Every field at once, including those without an option (momentum, eval batch size, ...).
    assert training_config(args) == replace(recipe, epochs=DEFAULT_EPOCHS)


def test_training_config_without_an_epoch_default_uses_the_cli_default() -> None:
    args = training_parser(epochs=None).parse_args([])
    assert args.epochs is None
    assert training_config(args).epochs == DEFAULT_EPOCHS


def test_training_config_takes_every_option() -> None:
    arguments = ["--epochs", "3", "--lr", "0.1", "--batch-size", "16", "--weight-decay", "0.001"]
    arguments += ["--schedule", "step", "--warmup-steps", "5", "--no-augment", "--train-subset", "100"]
    arguments += ["--seed", "7", "--device", "cuda:1", "--mixed-precision"]
    config = training_config(training_parser().parse_args(arguments))
    expected = replace(
        TrainConfig(),
        epochs=3,
        learning_rate=0.1,
        batch_size=16,
        weight_decay=0.001,
        schedule="step",
        warmup_steps=5,
        augment=False,
        train_subset=100,
        seed=7,
        device="cuda:1",
        mixed_precision=True,
    )
    assert config == expected


def test_training_options_are_checked(capsys) -> None:
    parser = training_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["--schedule", "linear"])
    assert "invalid choice: 'linear'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        training_config(parser.parse_args(["--lr", "0"]))


def test_epochs_text_counts_a_partial_last_epoch_by_its_share() -> None:
    assert epochs_text({"epochs_completed": 13, "epochs_trained": 12.352}) == "12.35 epochs"
    assert epochs_text({"epochs_completed": 13, "epochs_trained": 13.0000001}) == "13 epochs"
    assert epochs_text({"epochs_completed": 4}) == "4 epochs"  # metrics written before epochs_trained


def test_final_accuracy_lines_add_the_flip_averaged_figure_when_there_is_one() -> None:
    assert final_accuracy_lines({"test_accuracy": 0.94936}) == ["test accuracy: 94.94%"]
    assert final_accuracy_lines({"test_accuracy": 0.9, "flip_average_test_accuracy": None}) == ["test accuracy: 90.00%"]
    both = final_accuracy_lines({"test_accuracy": 0.9494, "flip_average_test_accuracy": 0.9512})
    assert both == ["test accuracy: 94.94%", "flip-averaged test accuracy: 95.12% (each image and its mirror image)"]


# ----- EpochBar ----------------------------------------------------------------------------------
class FakeBar:
    """Records what the bar is asked to do, in place of tqdm."""

    made: ClassVar[list[FakeBar]] = []

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords
        self.count = 0
        self.postfixes: list[dict[str, str]] = []
        self.closed = False
        FakeBar.made.append(self)

    def update(self, count: int) -> None:
        self.count += count

    def set_postfix(self, **values: str) -> None:
        self.postfixes.append(values)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_bars(monkeypatch: pytest.MonkeyPatch) -> list[FakeBar]:
    monkeypatch.setattr(common, "tqdm", FakeBar)
    FakeBar.made = []
    return FakeBar.made


def test_epoch_bar_counts_steps_and_starts_a_bar_per_epoch_and_label(fake_bars: list[FakeBar]) -> None:
    bar = EpochBar(label="start ", position=2)
    for step in range(25):
        bar(Progress(epoch=0, epochs=2, step=step, steps=25, loss=1.5))
    assert len(fake_bars) == 1
    first = fake_bars[0]
    assert first.count == 25 and not first.closed
    assert first.keywords["total"] == 25 and first.keywords["position"] == 2
    assert first.keywords["desc"] == "start epoch 1/2"
    assert first.postfixes == [{"loss": "1.500"}, {"loss": "1.500"}]  # steps 0 and 20
    bar(Progress(epoch=1, epochs=2, step=0, steps=25, loss=0.25))
    assert first.closed and len(fake_bars) == 2
    assert fake_bars[1].keywords["desc"] == "start epoch 2/2" and fake_bars[1].count == 1
    # A new label (the next trial) starts a new bar even at the same epoch.
    bar(Progress(epoch=1, epochs=2, step=1, steps=25, loss=0.25), label="trial 3 ")
    assert fake_bars[1].closed and len(fake_bars) == 3
    assert fake_bars[2].keywords["desc"] == "trial 3 epoch 2/2"
    # The same label again keeps the bar.
    bar(Progress(epoch=1, epochs=2, step=2, steps=25, loss=0.25), label="trial 3 ")
    assert len(fake_bars) == 3 and fake_bars[2].count == 2
    bar.close()
    assert fake_bars[2].closed and bar.bar is None
    bar.close()  # closing twice is harmless


def test_epoch_bar_draws_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = EpochBar(label="trial 7 ")
    for step in range(3):
        bar(Progress(epoch=0, epochs=1, step=step, steps=3, loss=0.5))
    bar.close()
    drawn = terminal.getvalue()
    assert "trial 7 epoch 1/1" in drawn and "/3 " in drawn and "loss=0.500" in drawn
    # leave=False: the finished bar is wiped, so the next bar or table line starts on a clean line.
    assert drawn.endswith("\r")


def test_epoch_bar_off_a_terminal_is_silent(capsys) -> None:
    bar = EpochBar()
    bar(Progress(epoch=0, epochs=1, step=0, steps=2, loss=0.5))
    bar.close()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# ----- check_output_folder ----------------------------------------------------------------------
def test_a_writable_output_folder_passes_and_is_left_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "old.txt").write_text("mine")
    common.check_output_folder(tmp_path / "kept", parameters=1000)
    assert [path.name for path in (tmp_path / "kept").iterdir()] == ["old.txt"]  # the probe file is gone
    common.check_output_folder(tmp_path / "a" / "b" / "c", parameters=1000)
    assert not (tmp_path / "a").exists()  # the check creates nothing; the save makes the folders


def test_an_output_folder_under_a_file_names_the_option_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=r"--from \S+ cannot be written \(.*\); give a folder you can write to"):
        common.check_output_folder(tmp_path / "file" / "out", parameters=1, option="--from")
