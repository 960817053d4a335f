"""The trial store and the run lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from eas.evaluation import CUT, DIVERGED, FAILED, OK, PENDING
from eas.search import store as store_module
from eas.search.store import RunLock, RunLockedError, TrialStore
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Edit


def make_trial(episode: int, slot: int, arch: str = "conv-4-3 gap", parent_trial: int | None = None) -> Trial:
    return Trial(
        episode,
        slot,
        arch,
        "{}",
        (Edit.widen(0, 8),),
        parent_trial=parent_trial,
        decisions=[{"action": "wider", "layers": [0]}],
        seed=7,
    )


def test_add_pending_is_idempotent_and_keeps_finished_rows(tmp_path: Path) -> None:
    store = TrialStore(tmp_path / "trials.sqlite")
    (first,) = store.add_pending([make_trial(0, 0)])
    assert first.status == PENDING and first.trial_id is not None
    first.status, first.validation_accuracy = OK, 0.75
    store.finish(first)
    again = store.add_pending([make_trial(0, 0, arch="conv-8-3 gap"), make_trial(0, 1)])
    assert again[0].trial_id == first.trial_id
    assert again[0].arch == "conv-4-3 gap" and again[0].status == OK and again[0].validation_accuracy == 0.75
    assert again[1].status == PENDING
    assert again[0].edits == (Edit.widen(0, 8),) and again[0].decisions == [{"action": "wider", "layers": [0]}]
    assert len(store.trials()) == 2
    store.close()


def test_find_evaluated_ignores_cache_hits_failures_and_pending(tmp_path: Path) -> None:
    store = TrialStore(tmp_path / "trials.sqlite")
    trials = store.add_pending([make_trial(0, slot) for slot in range(4)])
    assert store.find_evaluated("conv-4-3 gap") is None
    trials[0].status = FAILED
    store.finish(trials[0])
    assert store.find_evaluated("conv-4-3 gap") is None
    trials[1].status, trials[1].validation_accuracy = DIVERGED, 0.0
    store.finish(trials[1])
    found = store.find_evaluated("conv-4-3 gap")
    assert found is not None and found.trial_id == trials[1].trial_id
    assert store.count_trained() == 2
    trials[2].status = CUT
    store.finish(trials[2])
    assert store.count_trained() == 2  # a cut child was not evaluated
    store.close()


def test_find_evaluated_is_keyed_by_parent_unless_any_parent(tmp_path: Path) -> None:
    store = TrialStore(tmp_path / "trials.sqlite")
    first, second = store.add_pending([make_trial(0, 0), make_trial(1, 0, parent_trial=9)])
    for trial in (first, second):
        trial.status, trial.validation_accuracy = OK, 0.5
        store.finish(trial)
    assert store.find_evaluated("conv-4-3 gap").trial_id == first.trial_id
    assert store.find_evaluated("conv-4-3 gap", 9).trial_id == second.trial_id
    assert store.find_evaluated("conv-4-3 gap", 3) is None
    assert store.find_evaluated("conv-4-3 gap", 3, any_parent=True).trial_id == first.trial_id
    # Start networks are never cache originals.
    (start,) = store.add_pending([make_trial(START_EPISODE, 0, arch="conv-9-3 gap")])
    start.status, start.validation_accuracy = OK, 0.5
    store.finish(start)
    assert store.find_evaluated("conv-9-3 gap", any_parent=True) is None
    assert store.count_trained() == 2
    store.close()


def test_best_picks_highest_accuracy_earliest_on_ties(tmp_path: Path) -> None:
    store = TrialStore(tmp_path / "trials.sqlite")
    trials = store.add_pending([make_trial(0, slot, f"conv-{slot + 4}-3 gap") for slot in range(3)])
    for trial, accuracy in zip(trials, (0.5, 0.9, 0.9), strict=True):
        trial.status, trial.validation_accuracy = OK, accuracy
        store.finish(trial)
    best = store.best()
    assert best is not None and best.trial_id == trials[1].trial_id
    store.close()


def test_meta_round_trip_and_wal_mode(tmp_path: Path) -> None:
    store = TrialStore(tmp_path / "trials.sqlite")
    store.set_meta("elapsed_seconds", 12.5)
    assert store.get_meta("elapsed_seconds") == 12.5
    assert store.get_meta("missing", "default") == "default"
    store.close()
    mode = sqlite3.connect(tmp_path / "trials.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_finish_needs_a_stored_trial(tmp_path: Path) -> None:
    store = TrialStore(tmp_path / "trials.sqlite")
    with pytest.raises(ValueError, match="trial_id"):
        store.finish(make_trial(0, 0))
    store.close()


def test_second_lock_on_the_same_run_directory_is_refused(tmp_path: Path) -> None:
    with RunLock(tmp_path), pytest.raises(RunLockedError, match="in use by process"):
        RunLock(tmp_path).acquire()
    # Released: a new holder can take it.
    lock = RunLock(tmp_path)
    lock.acquire()
    lock.release()


def test_a_store_written_before_the_compute_share_column_opens_and_gains_it(tmp_path: Path) -> None:
    """A run stored by an older version (no compute_share column) still reads and resumes: its rows read
    None, and trials finished from then on keep their share."""
    path = tmp_path / "trials.sqlite"
    old_schema = [(column, kind) for _, column, kind in store_module._COLUMNS if column != "compute_share"]
    old_columns = ", ".join(f"{column} {kind}" for column, kind in old_schema)
    connection = sqlite3.connect(path)
    connection.execute(
        f"CREATE TABLE trials (trial_id INTEGER PRIMARY KEY AUTOINCREMENT, {old_columns}, "
        "created REAL NOT NULL, finished REAL, UNIQUE (episode, slot))"
    )
    connection.execute(
        "INSERT INTO trials (episode, slot, arch, spec_json, actions_json, status, validation_accuracy, "
        "train_seconds, created) VALUES (0, 0, 'conv-4-3 gap', '{}', '[]', ?, 0.5, 3.0, 0)",
        (OK,),
    )
    connection.commit()
    connection.close()

    store = TrialStore(path)
    old = store.get(0, 0)
    assert (old.validation_accuracy, old.train_seconds, old.compute_share) == (0.5, 3.0, None)
    [new] = store.add_pending([make_trial(0, 1)])
    new.status, new.validation_accuracy, new.train_seconds, new.compute_share = OK, 0.6, 2.0, 0.5
    store.finish(new)
    store.close()
    again = TrialStore(path)  # opening a second time finds the column there and adds nothing
    assert again.get(0, 1).compute_share == 0.5 and again.get(0, 0).compute_share is None
    again.close()
