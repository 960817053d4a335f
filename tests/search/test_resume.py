"""A search killed with SIGKILL in the middle of an episode resumes without losing or repeating work."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from eas.search import SearchConfig, run_search
from tests.search.conftest import toy_config

RUNNER = """
import json, sys
from eas.search import SearchConfig, run_search
run_search(SearchConfig.from_dict(json.loads(sys.argv[1])), sys.argv[2])
"""


def rows(run_dir: Path, where: str = "1") -> list[tuple]:
    if not (run_dir / "trials.sqlite").is_file():
        return []
    connection = sqlite3.connect(run_dir / "trials.sqlite", timeout=30)
    try:
        return connection.execute(
            f"SELECT episode, slot, arch, status, finished, validation_accuracy FROM trials WHERE {where} "
            "ORDER BY episode, slot"
        ).fetchall()
    except sqlite3.OperationalError:  # the table does not exist yet
        return []
    finally:
        connection.close()


def kill_mid_episode(config: SearchConfig, run_dir: Path) -> list[tuple]:
    """Start the search in a child process and SIGKILL it once episode 0 is part-way done."""
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(config.to_dict()), str(run_dir)], env=environment
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            episode = rows(run_dir, "episode = 0")
            if any(row[3] != "pending" for row in episode) and any(row[3] == "pending" for row in episode):
                os.kill(process.pid, signal.SIGKILL)
                break
            assert process.poll() is None, "the search ended before it could be interrupted"
            time.sleep(0.01)
        else:
            raise AssertionError("episode 0 never reached a part-way state")
    finally:
        process.kill()
        process.wait()
    return rows(run_dir)


def test_sigkill_mid_episode_then_resume_equals_an_uninterrupted_run(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, networks_per_episode=4, episodes=2)
    config = replace(config, child_training=replace(config.child_training, epochs=3))
    interrupted = tmp_path / "interrupted"
    at_kill = kill_mid_episode(config, interrupted)
    finished_at_kill = {row[:2]: row for row in at_kill if row[3] != "pending"}
    assert any(row[3] == "pending" for row in at_kill)

    summary = run_search(config, interrupted)
    assert summary.episodes_completed == 2
    resumed = rows(interrupted)
    for row in resumed:
        if row[:2] in finished_at_kill:
            assert row == finished_at_kill[row[:2]], "a trial finished before the kill was trained again"
    keys = [row[:2] for row in resumed]
    assert len(keys) == len(set(keys)) == 1 + 2 * 4
    assert all(row[3] != "pending" for row in resumed)

    reference = tmp_path / "reference"
    run_search(config, reference)
    assert [row[:3] for row in rows(reference)] == [row[:3] for row in resumed]
