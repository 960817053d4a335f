"""The run store: an SQLite database (WAL mode) with one row per trial, and the run-directory lock.

Every write is one transaction, so a process killed at any instant leaves either the old row or the
new one. A second process on the same run directory gets `RunLockedError` instead of sharing it.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PENDING = "pending"
OK = "ok"
DIVERGED = "diverged"
FAILED = "failed"
STATUSES = (PENDING, OK, DIVERGED, FAILED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
    trial_id INTEGER PRIMARY KEY AUTOINCREMENT,
    episode INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    arch TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    parent_arch TEXT,
    parent_trial INTEGER,
    actions_json TEXT NOT NULL,
    decisions_json TEXT,
    status TEXT NOT NULL,
    cached_from INTEGER,
    accuracy_before REAL,
    validation_accuracy REAL,
    reward REAL,
    parameters INTEGER,
    flops INTEGER,
    train_seconds REAL,
    seed INTEGER,
    message TEXT,
    created REAL NOT NULL,
    finished REAL,
    UNIQUE (episode, slot)
);
CREATE INDEX IF NOT EXISTS trials_by_arch ON trials (arch, status);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class RunLockedError(RuntimeError):
    """Another process holds this run directory."""


@dataclass
class Trial:
    """One sampled network: where it came from, how it was changed, and how it scored."""

    episode: int
    slot: int
    arch: str
    spec_json: str
    actions: list[Any]
    status: str = PENDING
    parent_arch: str | None = None
    parent_trial: int | None = None
    decisions: Any = None
    cached_from: int | None = None
    accuracy_before: float | None = None
    validation_accuracy: float | None = None
    reward: float | None = None
    parameters: int | None = None
    flops: int | None = None
    train_seconds: float | None = None
    seed: int | None = None
    message: str | None = None
    trial_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """True once the trial has a final status."""
        return self.status != PENDING


class RunLock:
    """An exclusive `flock` on `run_dir/lock`, released when the process ends (even by SIGKILL)."""

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / "lock"
        self.handle: Any = None

    def acquire(self) -> None:
        """Take the lock or raise `RunLockedError` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for the life of the lock
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunLockedError(
                f"run directory {self.path.parent} is in use by {holder}; "
                "wait for it to finish or use another --run-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        self.handle = handle

    def release(self) -> None:
        """Drop the lock."""
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class TrialStore:
    """Trials and key/value metadata of one run, in `run_dir/trials.sqlite`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.connection.close()

    # ----- metadata ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        """A JSON value stored under `key`."""
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row["value"])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value under `key`."""
        with self.connection:
            self.connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    # ----- trials --------------------------------------------------------------------------------
    def add_pending(self, trials: list[Trial]) -> list[Trial]:
        """Insert an episode's proposals (one transaction); rows already stored are kept as they are.

        Returns the stored trials of those (episode, slot) pairs, finished ones included, so a resumed
        episode sees what was already done.
        """
        now = time.time()
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            for trial in trials:
                self.connection.execute(
                    "INSERT OR IGNORE INTO trials (episode, slot, arch, spec_json, parent_arch, parent_trial, "
                    "actions_json, decisions_json, status, seed, parameters, flops, created) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        trial.episode,
                        trial.slot,
                        trial.arch,
                        trial.spec_json,
                        trial.parent_arch,
                        trial.parent_trial,
                        json.dumps(trial.actions),
                        None if trial.decisions is None else json.dumps(trial.decisions),
                        PENDING,
                        trial.seed,
                        trial.parameters,
                        trial.flops,
                        now,
                    ),
                )
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        return [self.get(trial.episode, trial.slot) for trial in trials]

    def finish(self, trial: Trial) -> None:
        """Record a trial's outcome."""
        if trial.trial_id is None:
            raise ValueError("finish() needs a stored trial (trial_id is None)")
        with self.connection:
            self.connection.execute(
                "UPDATE trials SET status = ?, cached_from = ?, accuracy_before = ?, validation_accuracy = ?, "
                "reward = ?, train_seconds = ?, message = ?, finished = ? WHERE trial_id = ?",
                (
                    trial.status,
                    trial.cached_from,
                    trial.accuracy_before,
                    trial.validation_accuracy,
                    trial.reward,
                    trial.train_seconds,
                    trial.message,
                    time.time(),
                    trial.trial_id,
                ),
            )

    def get(self, episode: int, slot: int) -> Trial:
        """The trial stored for (episode, slot)."""
        row = self.connection.execute("SELECT * FROM trials WHERE episode = ? AND slot = ?", (episode, slot)).fetchone()
        if row is None:
            raise KeyError(f"no trial stored for episode {episode} slot {slot}")
        return _trial_from_row(row)

    def trials(self, episode: int | None = None) -> list[Trial]:
        """All trials (of one episode when given), in insertion order."""
        if episode is None:
            rows = self.connection.execute("SELECT * FROM trials ORDER BY trial_id").fetchall()
        else:
            rows = self.connection.execute(
                "SELECT * FROM trials WHERE episode = ? ORDER BY slot", (episode,)
            ).fetchall()
        return [_trial_from_row(row) for row in rows]

    def find_evaluated(self, arch: str) -> Trial | None:
        """The first trial that trained `arch` itself (not a cache hit) and finished without error."""
        row = self.connection.execute(
            "SELECT * FROM trials WHERE arch = ? AND status IN (?, ?) AND cached_from IS NULL "
            "ORDER BY trial_id LIMIT 1",
            (arch, OK, DIVERGED),
        ).fetchone()
        return None if row is None else _trial_from_row(row)

    def best(self) -> Trial | None:
        """The finished trial with the highest validation accuracy (earliest on ties)."""
        row = self.connection.execute(
            "SELECT * FROM trials WHERE status = ? AND validation_accuracy IS NOT NULL "
            "ORDER BY validation_accuracy DESC, trial_id ASC LIMIT 1",
            (OK,),
        ).fetchone()
        return None if row is None else _trial_from_row(row)

    def count_trained(self) -> int:
        """Children actually trained (the start network, cache hits and pending trials excluded)."""
        row = self.connection.execute(
            "SELECT COUNT(*) AS n FROM trials WHERE episode >= 0 AND status != ? AND cached_from IS NULL", (PENDING,)
        ).fetchone()
        return int(row["n"])


def _trial_from_row(row: sqlite3.Row) -> Trial:
    return Trial(
        trial_id=row["trial_id"],
        episode=row["episode"],
        slot=row["slot"],
        arch=row["arch"],
        spec_json=row["spec_json"],
        parent_arch=row["parent_arch"],
        parent_trial=row["parent_trial"],
        actions=json.loads(row["actions_json"]),
        decisions=None if row["decisions_json"] is None else json.loads(row["decisions_json"]),
        status=row["status"],
        cached_from=row["cached_from"],
        accuracy_before=row["accuracy_before"],
        validation_accuracy=row["validation_accuracy"],
        reward=row["reward"],
        parameters=row["parameters"],
        flops=row["flops"],
        train_seconds=row["train_seconds"],
        seed=row["seed"],
        message=row["message"],
    )
