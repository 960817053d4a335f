"""The TensorBoard log of a search: what each event writes, read back from the event files."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import pytest

from eas.report.tensorboard import (
    CHILD_ARCHITECTURE_TAG,
    FINAL_ACCURACY_TAG,
    FINAL_FLIP_ACCURACY_TAG,
    MISSING_PACKAGE_MESSAGE,
    START_ACCURACY_TAG,
    TensorBoardLog,
)
from eas.search import Trial


def read_log(log_dir: Path) -> Any:
    """Every event file in `log_dir`, loaded by TensorBoard's own reader (all events kept, none sampled)."""
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator",
        reason="TensorBoard logs need tensorboard: pip install 'eas[report]'",
    )
    accumulator = event_accumulator.EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def scalar_points(accumulator: Any, tag: str) -> list[tuple[int, float]]:
    """(step, value) of every point of a scalar tag."""
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def texts(accumulator: Any, tag: str) -> list[tuple[int, str]]:
    """(step, text) of every text summary of `tag` (stored as string tensors under `tag/text_summary`)."""
    return [
        (event.step, event.tensor_proto.string_val[0].decode()) for event in accumulator.Tensors(f"{tag}/text_summary")
    ]


def child(trial_id: int, **changes: Any) -> Trial:
    """A finished child trial with every figure set."""
    values: dict[str, Any] = {
        "episode": 0,
        "slot": trial_id,
        "arch": f"conv-{trial_id}-3 gap",
        "spec_json": "{}",
        "status": "ok",
        "accuracy_before": 0.5,
        "validation_accuracy": 0.75,
        "parameters": 1000 + trial_id,
        "flops": 5000,
        "train_seconds": 2.5,
        "trial_id": trial_id,
    }
    values.update(changes)
    return Trial(**values)


def test_events_become_scalars_and_texts_and_missing_figures_leave_gaps(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="TensorBoard logs need tensorboard: pip install 'eas[report]'")
    log = TensorBoardLog(tmp_path / "board")
    log("start_ready", {"arch": "conv-4-3 gap", "validation_accuracy": 0.625, "origin": "trained"})
    log("trial_end", {"trial": child(1), "cached": False})
    failed = child(2, status="failed", accuracy_before=None, validation_accuracy=None, train_seconds=None)
    log("trial_end", {"trial": failed, "cached": False})
    # A random search's row has no baseline nor entropy, and an episode of failed children no mean.
    log("episode_end", {"episode": 0, "mean_reward": math.nan, "best_accuracy": 0.75, "best_arch": "conv-1-3 gap"})
    log("episode_end", {"episode": 1, "mean_reward": 0.25, "baseline": 0.125, "entropy": 1.5, "best_accuracy": 0.75})
    log("progress", {"label": "child", "progress": None})  # an event without figures is ignored
    log("final_done", {"trial": 1, "arch": "conv-1-3 gap", "test_accuracy": 0.875})
    log.close()
    log.close()  # a second close (the CLI closes on Ctrl-C and again at the end) does nothing

    board = read_log(tmp_path / "board")
    assert scalar_points(board, START_ACCURACY_TAG) == [(0, 0.625)]
    assert scalar_points(board, "child/validation_accuracy") == [(1, 0.75)]
    assert scalar_points(board, "child/accuracy_before_fine_tune") == [(1, 0.5)]
    assert scalar_points(board, "child/parameters") == [(1, 1001.0), (2, 1002.0)]
    assert scalar_points(board, "child/seconds") == [(1, 2.5)]
    assert scalar_points(board, "episode/mean_reward") == [(1, 0.25)]
    assert scalar_points(board, "episode/baseline") == [(1, 0.125)]
    assert scalar_points(board, "episode/best_accuracy") == [(0, 0.75), (1, 0.75)]
    assert scalar_points(board, FINAL_ACCURACY_TAG) == [(0, 0.875)]
    assert FINAL_FLIP_ACCURACY_TAG not in board.Tags()["scalars"]  # a final training without flips has none
    architectures = texts(board, CHILD_ARCHITECTURE_TAG)
    assert [step for step, _ in architectures] == [1, 2]
    assert "`conv-2-3 gap`" in architectures[1][1] and "failed" in architectures[1][1]
    assert texts(board, "episode/best_architecture") == [(0, "`conv-1-3 gap`")]


def test_a_final_training_with_flips_logs_both_test_accuracies(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="TensorBoard logs need tensorboard: pip install 'eas[report]'")
    log = TensorBoardLog(tmp_path / "board")
    metrics = {"trial": 3, "arch": "conv-1-3 gap", "test_accuracy": 0.875, "flip_average_test_accuracy": 0.9375}
    log("final_done", metrics)
    log.close()
    board = read_log(tmp_path / "board")
    assert scalar_points(board, FINAL_ACCURACY_TAG) == [(0, 0.875)]
    assert scalar_points(board, FINAL_FLIP_ACCURACY_TAG) == [(0, 0.9375)]


def test_no_event_means_no_event_file(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard", reason="TensorBoard logs need tensorboard: pip install 'eas[report]'")
    log = TensorBoardLog(tmp_path / "board")
    log.close()
    assert not (tmp_path / "board").exists()


def test_without_tensorboard_the_log_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail, as it does where the package is not installed.
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ValueError, match=r"pip install 'eas\[report\]'") as raised:
        TensorBoardLog("unused")
    assert str(raised.value) == MISSING_PACKAGE_MESSAGE
