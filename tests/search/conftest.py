"""A seconds-long search config for the search tests (the toy dataset fixture is suite-wide)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eas.search import SearchConfig, preset


def toy_config(dataset: str, **overrides: object) -> SearchConfig:
    """The `smoke` preset on the toy dataset: tiny networks trained in well under a second each."""
    return preset("smoke", dataset=dataset, **overrides)


def stored_trials(run_dir: Path) -> list[dict]:
    """Every row of the run's trial store as a dict, in trial order (read with SQLite itself, not the store)."""
    connection = sqlite3.connect(run_dir / "trials.sqlite")
    connection.row_factory = sqlite3.Row
    rows = [dict(row) for row in connection.execute("SELECT * FROM trials ORDER BY trial_id")]
    connection.close()
    return rows
