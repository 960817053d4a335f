"""Bad command lines: each exits with status 2 and one line on stderr that says what is wrong, with no
traceback; an unexpected error is one line and status 1, and `-v` shows its traceback.

The table runs `eas.cli.main` in-process. `{data}` is a toy `.npz` dataset, `{checkpoint}` a small
checkpoint folder, `{tmp}` a fresh folder; every line fails before any training starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eas import cli
from eas.checkpoint import save_checkpoint
from eas.cli import main
from eas.spec import parse_spec
from tests.toy_data import write_toy_npz

CHECKPOINT_ARCH = "conv-4-3 gap"

# (command line, a piece of the message that says what is wrong)
BAD_COMMAND_LINES: list[tuple[list[str], str]] = [
    ([], "required: command"),
    (["nonsense"], "invalid choice: 'nonsense'"),
    (["info", "--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["info", "--arch", "conv-99999999999999999999-3 gap"], "exceeds the limit of 16384"),
    (["info", "--arch", "conv-16-3"], "needs a 'gap'"),
    (["info", "--arch", "densenet-bc depth=100000 growth=12"], "depth: 100000 exceeds the limit of 1000"),
    (["info", "--arch", "densenet-bc stem16 g5000"], "growth rate: 5000 exceeds the limit of 1024"),
    (["info", "--classes", "many"], "invalid int value: 'many'"),
    (["info", "--classes", "1"], "num_classes must be at least 2"),
    (["info", "--input-shape", "1,28"], "expected C,H,W"),
    (["info", "--input-shape", "0,28,28"], "input_shape"),
    (["train", "--dataset", "{data}", "--out", "{tmp}/out", "--epochs", "0"], "--epochs must be at least 1"),
    (["train", "--dataset", "{data}", "--out", "{tmp}/out", "--epochs", "-3"], "epochs"),
    (["train", "--dataset", "{data}", "--out", "{tmp}/out", "--batch-size", "0"], "batch_size"),
    (["train", "--dataset", "{data}", "--out", "{tmp}/out", "--lr", "-1"], "learning_rate"),
    (["train", "--dataset", "no-such-set", "--out", "{tmp}/out"], "no-such-set"),
    (["train", "--dataset", "npz:{tmp}/missing.npz", "--out", "{tmp}/out"], "missing.npz"),
    (["train", "--dataset", "{data}", "--schedule", "sometimes"], "invalid choice: 'sometimes'"),
    (["train", "--dataset", "{data}"], "--out is required"),
    (["search", "--run-dir", "{tmp}/run", "--strategy", "guess"], "invalid choice: 'guess'"),
    (["search", "--run-dir", "{tmp}/run", "--preset", "no-such-preset"], "no-such-preset"),
    (["search", "--run-dir", "{tmp}/run", "--space", "hexagonal"], "invalid choice: 'hexagonal'"),
    (["search", "--run-dir", "{tmp}/run", "--episodes", "-1"], "episodes"),
    (["search", "--run-dir", "{tmp}/run", "--time-budget", "-5"], "time_budget"),
    (["search", "--run-dir", "{tmp}/run", "--max-networks", "0"], "max_networks"),
    (["search", "--run-dir", "{tmp}/run", "--child-epochs", "0"], "--child-epochs must be at least 1"),
    (["search", "--run-dir", "{tmp}/run", "--stage-epochs", "-2"], "--stage-epochs must be >= 0"),
    (["search", "--run-dir", "{tmp}/run", "--executor", "pool", "--workers", "0"], "workers"),
    (["search", "--run-dir", "{tmp}/run", "--train-final", "--no-train-final"], "contradict"),
    (["search", "--episodes", "3"], "required: --run-dir"),
    (["grow", "{tmp}/no-checkpoint", "--widen", "0:32", "--out", "{tmp}/grown"], "missing spec.json"),
    (["grow", "{checkpoint}", "--widen", "zero:32", "--out", "{tmp}/grown"], "expected two integers"),
    (["grow", "{checkpoint}", "--widen", "0:99999999", "--out", "{tmp}/grown"], "exceeds the limit of 16384"),
    (["grow", "{checkpoint}", "--out", "{tmp}/grown"], "nothing to do"),
]


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    """What the `{...}` fields of the table stand for."""
    data = write_toy_npz(tmp_path / "toy.npz", train=60, test=20, size=8)
    spec = parse_spec(CHECKPOINT_ARCH, (1, 8, 8), 4)
    from eas.build import build_model

    checkpoint = save_checkpoint(tmp_path / "checkpoint", spec, build_model(spec, seed=0).state_dict())
    return {"data": f"npz:{data}", "checkpoint": str(checkpoint), "tmp": str(tmp_path)}


def run_main(argv: list[str]) -> int:
    """`main(argv)`, with argparse's `SystemExit` turned into the status it carries."""
    try:
        return main(argv)
    except SystemExit as stop:
        return int(stop.code or 0)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("argv", "message"), BAD_COMMAND_LINES, ids=[" ".join(line) for line, _ in BAD_COMMAND_LINES])
def test_bad_command_line(argv: list[str], message: str, places: dict[str, str], capsys) -> None:
    status = run_main([part.format(**places) for part in argv])
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert status == 2, captured.err
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    assert message in lines[0], lines[0]
    assert lines[0].startswith("eas"), lines[0]


def test_the_table_is_large_enough() -> None:
    assert len(BAD_COMMAND_LINES) >= 15
    assert {line[0] for line, _ in BAD_COMMAND_LINES if line} >= {"info", "train", "search", "grow"}


def _failing_run(_: object) -> int:
    raise RuntimeError("the accelerator caught fire\nsecond line")


def test_an_unexpected_error_is_one_line_and_status_1(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(cli.info_command, "run", _failing_run)
    status = main(["info"])
    lines = capsys.readouterr().err.splitlines()
    assert status == 1
    assert len(lines) == 1
    assert "RuntimeError: the accelerator caught fire second line" in lines[0]
    assert "-v" in lines[0] and "Traceback" not in lines[0]


def test_verbose_shows_the_traceback_of_an_unexpected_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli.info_command, "run", _failing_run)
    with pytest.raises(RuntimeError, match="caught fire"):
        main(["-v", "info"])


def test_verbose_bad_input_still_exits_2_and_logs_the_traceback(caplog: pytest.LogCaptureFixture, capsys) -> None:
    with caplog.at_level("DEBUG"):
        status = main(["-v", "info", "--arch", "conv-16-3"])
    assert status == 2
    assert "needs a 'gap'" in capsys.readouterr().err
    assert any(record.exc_info for record in caplog.records)
