"""Faults inside a search: children that run out of memory or raise, a streak of failures, a run
directory that cannot be written (disk full, read-only). Kills are in test_kill_loop.py."""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import torch

import eas.evaluation.child
from eas.evaluation.status import FAILED, OK, PENDING
from eas.search import RunDirectoryWriteError, TooManyFailuresError, run_search
from eas.search.rundir import RunDirectory
from eas.search.store import TrialStore
from tests.search.conftest import toy_config

REAL_EVALUATE = eas.evaluation.child._evaluate


def stored(run_dir: Path) -> list[dict[str, Any]]:
    connection = sqlite3.connect(run_dir / "trials.sqlite")
    connection.row_factory = sqlite3.Row
    try:
        rows = [dict(row) for row in connection.execute("SELECT * FROM trials ORDER BY trial_id")]
    finally:
        connection.close()
    for row in rows:  # when a trial ran differs between runs; what it found does not
        row.pop("created"), row.pop("finished"), row.pop("train_seconds")
    return rows


def raise_for(errors: dict[int, BaseException], monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the n-th child evaluation (0-based) raise `errors[n]`; returns the trial ids evaluated."""
    evaluated: list[int] = []

    def evaluate(task: Any, data: Any, progress: Any) -> Any:
        evaluated.append(task.trial_id)
        error = errors.get(len(evaluated) - 1)
        if error is not None:
            raise error
        return REAL_EVALUATE(task, data, progress)

    monkeypatch.setattr(eas.evaluation.child, "_evaluate", evaluate)
    return evaluated


def test_children_that_run_out_of_memory_or_raise_are_failed_and_the_search_goes_on(
    tmp_path: Path, toy_dataset_name: str, monkeypatch: pytest.MonkeyPatch
):
    errors = {
        0: torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
        1: MemoryError("cannot allocate the batch"),
        3: RuntimeError("a worker's library crashed"),
    }
    raise_for(errors, monkeypatch)
    summary = run_search(toy_config(toy_dataset_name, strategy="random", episodes=2), tmp_path / "run")
    assert summary.episodes_completed == 2
    children = [row for row in stored(tmp_path / "run") if row["episode"] >= 0 and row["cached_from"] is None]
    failed = [row for row in children if row["status"] == FAILED]
    assert [row["message"].split(":")[0] for row in failed] == ["OutOfMemoryError", "MemoryError", "RuntimeError"]
    assert "Tried to allocate 2.00 GiB" in failed[0]["message"]
    assert all(row["reward"] is None and row["validation_accuracy"] is None for row in failed)
    assert any(row["status"] == OK for row in children), "the children after the failures were trained"


def test_too_many_failures_in_a_row_stop_the_search_with_the_reason_and_the_fix(
    tmp_path: Path, toy_dataset_name: str, monkeypatch: pytest.MonkeyPatch
):
    run_dir = tmp_path / "run"
    config = toy_config(toy_dataset_name, strategy="random", episodes=3, max_consecutive_failures=4)
    evaluated = raise_for({index: RuntimeError("no kernel image for this device") for index in range(99)}, monkeypatch)
    with pytest.raises(TooManyFailuresError) as raised:
        run_search(config, run_dir)
    message = str(raised.value)
    assert "4 children in a row failed" in message and "no kernel image for this device" in message
    assert "--set max_consecutive_failures=N" in message and "re-run the same command" in message
    assert len(evaluated) == 4, "no child is started once the limit is reached"
    statuses = [row["status"] for row in stored(run_dir) if row["episode"] >= 0]
    assert statuses == [FAILED] * 4 + [PENDING] * 2

    # The streak is read from the store: a re-run with the same limit stops before training anything.
    with pytest.raises(TooManyFailuresError):
        run_search(config, run_dir)
    assert len(evaluated) == 4
    # A larger limit is allowed on a resumed run (like a budget), and the run goes on.
    monkeypatch.setattr(eas.evaluation.child, "_evaluate", REAL_EVALUATE)
    summary = run_search(replace(config, max_consecutive_failures=None), run_dir)
    assert summary.episodes_completed == 3
    assert [row["status"] for row in stored(run_dir) if row["episode"] >= 0][:4] == [FAILED] * 4


def test_a_success_ends_a_streak_of_failures(tmp_path: Path, toy_dataset_name: str, monkeypatch: pytest.MonkeyPatch):
    # Two failures, one success, two failures...: never three in a row.
    errors = {index: RuntimeError("flaky") for index in range(30) if index % 3 != 2}
    raise_for(errors, monkeypatch)
    config = toy_config(toy_dataset_name, strategy="random", episodes=3, max_consecutive_failures=3)
    assert run_search(config, tmp_path / "run").episodes_completed == 3


def test_a_full_disk_while_saving_the_checkpoint_is_named_and_the_store_is_kept(
    tmp_path: Path, toy_dataset_name: str, monkeypatch: pytest.MonkeyPatch
):
    config = toy_config(toy_dataset_name, episodes=2)
    run_dir = tmp_path / "run"
    run_search(replace(config, episodes=1), run_dir)
    before = stored(run_dir)

    def full_disk(self: RunDirectory, episodes_completed: int, strategy_state: dict[str, Any]) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patch:
        patch.setattr(RunDirectory, "save_progress", full_disk)
        with pytest.raises(RunDirectoryWriteError) as raised:
            run_search(config, run_dir)
    message = str(raised.value)
    assert f"cannot write the run directory {run_dir}: its disk is full" in message
    assert "No space left on device" in message and "free some space" in message
    assert "re-run the same command to resume" in message
    after = stored(run_dir)
    assert after[: len(before)] == before, "the trials finished before the failure changed"

    resumed = run_search(config, run_dir)
    reference = tmp_path / "reference"
    run_search(config, reference)
    assert resumed.episodes_completed == 2
    assert stored(run_dir) == stored(reference)


def test_a_database_that_fills_its_disk_is_named_and_a_later_run_resumes(
    tmp_path: Path, toy_dataset_name: str, monkeypatch: pytest.MonkeyPatch
):
    config = toy_config(toy_dataset_name, episodes=6)  # enough trials to outgrow the pages of the tables
    reference = tmp_path / "reference"
    run_search(config, reference)
    run_dir = tmp_path / "run"
    real_init = TrialStore.__init__

    def small_disk(self: TrialStore, path: Path) -> None:
        real_init(self, path)
        # SQLite's own "database or disk is full" (SQLITE_FULL) once the file would grow past its size
        # after the tables were created (the first rows fit in those pages, later ones do not).
        (pages,) = self.connection.execute("PRAGMA page_count").fetchone()
        self.connection.execute(f"PRAGMA max_page_count = {pages}")

    with monkeypatch.context() as patch:
        patch.setattr(TrialStore, "__init__", small_disk)
        with pytest.raises(RunDirectoryWriteError, match=r"its disk is full .*database or disk is full"):
            run_search(config, run_dir)
    partial = stored(run_dir)
    expected = {row["trial_id"]: row for row in stored(reference)}
    finished = [row for row in partial if row["status"] != PENDING]
    assert finished, "the disk filled before anything was stored; give the database more pages"
    assert len(partial) < len(expected), "the disk never filled; give the database fewer pages"
    for row in finished:
        assert row == expected[row["trial_id"]], "a trial stored before the disk filled is not as it should be"

    run_search(config, run_dir)
    assert stored(run_dir) == stored(reference)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the injected errors cover this")
def test_a_read_only_run_directory_is_named(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, episodes=1)
    run_dir = tmp_path / "run"
    run_search(config, run_dir)
    before = stored(run_dir)
    run_dir.chmod(0o500)
    try:
        with pytest.raises(RunDirectoryWriteError, match=r"it is not writable .*chmod -R u\+w"):
            run_search(replace(config, episodes=2), run_dir)
    finally:
        run_dir.chmod(0o700)
    assert stored(run_dir) == before
    assert run_search(replace(config, episodes=2), run_dir).episodes_completed == 2
