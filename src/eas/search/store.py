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
from pathlib import Path
from typing import Any

from eas.evaluation.status import CUT, DIVERGED, FAILED, OK, PENDING
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Edit

# Every trial column once: (Trial field, column, SQL type). Edits and decisions are stored as JSON.
_COLUMNS = (
    ("episode", "episode", "INTEGER NOT NULL"),
    ("slot", "slot", "INTEGER NOT NULL"),
    ("arch", "arch", "TEXT NOT NULL"),
    ("spec_json", "spec_json", "TEXT NOT NULL"),
    ("parent_arch", "parent_arch", "TEXT"),
    ("parent_trial", "parent_trial", "INTEGER"),
    ("edits", "actions_json", "TEXT NOT NULL"),
    ("decisions", "decisions_json", "TEXT"),
    ("status", "status", "TEXT NOT NULL"),
    ("cached_from", "cached_from", "INTEGER"),
    ("accuracy_before", "accuracy_before", "REAL"),
    ("validation_accuracy", "validation_accuracy", "REAL"),
    ("reward", "reward", "REAL"),
    ("parameters", "parameters", "INTEGER"),
    ("flops", "flops", "INTEGER"),
    ("train_seconds", "train_seconds", "REAL"),
    ("compute_share", "compute_share", "REAL"),
    ("seed", "seed", "INTEGER"),
    ("message", "message", "TEXT"),
)
_COLUMN_OF = {name: column for name, column, _ in _COLUMNS}
# What a proposal knows when it is stored, and what its evaluation adds.
_PROPOSED: tuple[str, ...] = ("episode", "slot", "arch", "spec_json", "parent_arch", "parent_trial", "edits")
_PROPOSED += ("decisions", "status", "seed", "parameters", "flops")
_OUTCOME: tuple[str, ...] = ("status", "cached_from", "accuracy_before", "validation_accuracy", "reward")
_OUTCOME += ("train_seconds", "compute_share", "message")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS trials (trial_id INTEGER PRIMARY KEY AUTOINCREMENT, "
    + ", ".join(f"{column} {kind}" for _, column, kind in _COLUMNS)
    + ", created REAL NOT NULL, finished REAL, UNIQUE (episode, slot));\n"
    "CREATE INDEX IF NOT EXISTS trials_by_arch ON trials (arch, status);\n"
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
)


class RunLockedError(RuntimeError):
    """Another process holds this run directory."""


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
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Give a store written by an older version the columns added since (empty for its old rows), so
        such a run still resumes and reads."""
        present = {row["name"] for row in self.connection.execute("PRAGMA table_info(trials)")}
        for _, column, kind in _COLUMNS:
            if column in present:
                continue
            try:  # columns added later are nullable: an old row has no value for them
                self.connection.execute(f"ALTER TABLE trials ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError as error:
                if "duplicate column" not in str(error):  # another process (a report) added it first
                    raise

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
            columns = ", ".join(_COLUMN_OF[name] for name in _PROPOSED)
            marks = ", ".join("?" for _ in _PROPOSED)
            for trial in trials:
                # Skipped rather than left to INSERT OR IGNORE, which uses up an AUTOINCREMENT id even when
                # it inserts nothing: a resumed run would number its later trials differently.
                stored = "SELECT 1 FROM trials WHERE episode = ? AND slot = ?"
                if self.connection.execute(stored, (trial.episode, trial.slot)).fetchone() is not None:
                    continue
                values = [_value(trial, name) for name in _PROPOSED]
                values[_PROPOSED.index("status")] = PENDING
                self.connection.execute(
                    f"INSERT OR IGNORE INTO trials ({columns}, created) VALUES ({marks}, ?)", (*values, now)
                )
            self.connection.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk): a second ROLLBACK would
            # raise "no transaction is active" and hide the real error.
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise
        return [self.get(trial.episode, trial.slot) for trial in trials]

    def finish(self, trial: Trial) -> None:
        """Record a trial's outcome."""
        if trial.trial_id is None:
            raise ValueError("finish() needs a stored trial (trial_id is None)")
        assignments = ", ".join(f"{_COLUMN_OF[name]} = ?" for name in _OUTCOME)
        values = [_value(trial, name) for name in _OUTCOME]
        with self.connection:
            self.connection.execute(
                f"UPDATE trials SET {assignments}, finished = ? WHERE trial_id = ?",
                (*values, time.time(), trial.trial_id),
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

    def find_evaluated(self, arch: str, parent_trial: int | None = None, *, any_parent: bool = False) -> Trial | None:
        """The first child that trained `arch` itself (not a cache hit) and finished without error, from
        the parent trial `parent_trial` (None: the run's start network) unless `any_parent`."""
        query = "SELECT * FROM trials WHERE arch = ? AND status IN (?, ?) AND cached_from IS NULL AND episode != ?"
        values: list[Any] = [arch, OK, DIVERGED, START_EPISODE]
        if not any_parent:
            query += " AND parent_trial IS ?"
            values.append(parent_trial)
        row = self.connection.execute(query + " ORDER BY trial_id LIMIT 1", values).fetchone()
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
        """Children actually evaluated (start networks, cache hits, pending and cut trials excluded)."""
        row = self.connection.execute(
            "SELECT COUNT(*) AS n FROM trials WHERE episode != ? AND status NOT IN (?, ?) AND cached_from IS NULL",
            (START_EPISODE, PENDING, CUT),
        ).fetchone()
        return int(row["n"])

    def latest_failures(self) -> list[Trial]:
        """The children trained most recently that failed or diverged, newest first, up to the last one
        that succeeded (cache hits, start networks, pending and cut trials are skipped). Read from the
        store, so the streak survives a resume."""
        rows = self.connection.execute(
            "SELECT * FROM trials WHERE episode != ? AND status IN (?, ?, ?) AND cached_from IS NULL "
            "ORDER BY finished DESC, trial_id DESC",
            (START_EPISODE, OK, DIVERGED, FAILED),
        )
        failures = []
        for row in rows:
            if row["status"] == OK:
                break
            failures.append(_trial_from_row(row))
        return failures


def _value(trial: Trial, name: str) -> Any:
    value = getattr(trial, name)
    if name == "edits":
        return json.dumps([edit.to_json() for edit in value])
    if name == "decisions":
        return None if value is None else json.dumps(value)
    return value


def _trial_from_row(row: sqlite3.Row) -> Trial:
    values = {name: row[column] for name, column, _ in _COLUMNS}
    values["edits"] = tuple(Edit.from_json(item) for item in json.loads(values["edits"]))
    values["decisions"] = None if values["decisions"] is None else json.loads(values["decisions"])
    return Trial(trial_id=row["trial_id"], **values)
