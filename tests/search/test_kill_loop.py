"""`eas search` killed with SIGKILL again and again, in each phase of a run, then resumed: the run ends
with the same trials, controller and final network as a run that was never interrupted.

Each killed process runs the real command line in a subprocess whose hooks only pause (never change
what is computed) at one phase: the start network's or a child's training (after its first step), just
after a trial's row was committed, after the controller's update (before its checkpoint), between the
checkpoint's temporary file and its `os.replace`, or the final training. The hook writes a marker file
when it pauses, so every kill is known to land in its phase; "random" kills land wherever a delay after
the process's first log line ends (the report, printed with `pytest -s`, says where each one landed).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from eas.executors.guardian import alive, descendants
from eas.search.trial import START_EPISODE

# Pauses the process at the phase named by EAS_TEST_PAUSE_AT (the first time it is reached), writes
# the phase to EAS_TEST_MARKER and sleeps, for the test to kill it there; then runs `eas`.
RUNNER = r"""
import os, sys, time
phase_wanted = [os.environ.get("EAS_TEST_PAUSE_AT", "")]

def pause(phase):
    if phase != phase_wanted[0]:
        return
    phase_wanted[0] = ""
    with open(os.environ["EAS_TEST_MARKER"], "w") as stream:
        stream.write(phase)
    time.sleep(120)

def pausing(real, phase):
    def wrapped(*arguments, progress=None, **options):
        def on_progress(event):
            if progress is not None:
                progress(event)
            pause(phase)
        return real(*arguments, progress=on_progress, **options)
    return wrapped

import torch
import eas.evaluation.child, eas.search.final, eas.search.loop, eas.search.start, eas.search.store
eas.search.start.fit = pausing(eas.search.start.fit, "start")
eas.evaluation.child.fit = pausing(eas.evaluation.child.fit, "child")
eas.search.final.train_and_test = pausing(eas.search.final.train_and_test, "final")

real_finish = eas.search.store.TrialStore.finish
def finish(self, trial):
    real_finish(self, trial)
    if trial.episode >= 0:
        pause("store")
eas.search.store.TrialStore.finish = finish

real_make_strategy = eas.search.loop.make_strategy
def make_strategy(config):
    strategy = real_make_strategy(config)
    real_observe = strategy.observe
    def observe(*arguments, **options):
        statistics = real_observe(*arguments, **options)
        pause("controller")
        return statistics
    strategy.observe = observe
    return strategy
eas.search.loop.make_strategy = make_strategy

real_save = torch.save
def save(value, path, *arguments, **options):
    real_save(value, path, *arguments, **options)
    if str(path).endswith(".checkpoint.pt.tmp"):
        pause("checkpoint")
torch.save = save

from eas.cli import main
sys.exit(main(sys.argv[1:]))
"""
PHASES = ("start", "child", "store", "controller", "checkpoint", "final")
TRIAL_COLUMNS = (
    "trial_id, episode, slot, arch, spec_json, parent_trial, actions_json, decisions_json, status, cached_from, "
    "accuracy_before, validation_accuracy, reward, parameters, flops, seed"
)


def search_arguments(dataset: str, run_dir: Path, executor: str = "local") -> list[str]:
    """A seconds-long search with its final training, children one after another on one thread (local),
    or two at a time on two one-thread worker processes (pool) or two tasks of a local Ray instance (ray)."""
    settings = ["--episodes", "3", "--train-final", "--executor", executor, "--threads", "1", "--seed", "0"]
    if executor in ("pool", "ray"):
        settings += ["--workers", "2"]
    # Networks trained on 64 images, so that accuracies differ between children (on 512 all reach 100%).
    settings += ["--set", "start_training.train_subset=64", "--set", "child_training.train_subset=64"]
    return ["search", "--preset", "smoke", "--dataset", dataset, "--run-dir", str(run_dir), *settings]


def start(arguments: list[str], marker: Path, pause_at: str, log: Path) -> subprocess.Popen:
    """The search in a subprocess that pauses at `pause_at` (nowhere when empty)."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "EAS_TEST_PAUSE_AT": pause_at,
        "EAS_TEST_MARKER": str(marker),
        # The same threads in every process, so that a child trained again gives the same numbers.
        "OMP_NUM_THREADS": "1",
    }
    with open(log, "ab") as output:
        return subprocess.Popen(
            [sys.executable, "-c", RUNNER, *arguments], env=environment, stdout=output, stderr=output
        )


def where_it_stood(run_dir: Path) -> str:
    """What the store and the run directory held when the process was killed, in words."""
    counts = {"finished": 0, "pending": 0}
    store = run_dir / "trials.sqlite"
    if store.is_file():
        connection = sqlite3.connect(store, timeout=30)
        try:
            for (status,) in connection.execute("SELECT status FROM trials WHERE episode != ?", (START_EPISODE,)):
                counts["pending" if status in ("pending", "cut") else "finished"] += 1
        except sqlite3.OperationalError:  # killed before the tables were created
            pass
        finally:
            connection.close()
    episodes = 0
    if (run_dir / "checkpoint.pt").is_file():
        episodes = int(torch.load(run_dir / "checkpoint.pt", weights_only=True)["episodes_completed"])
    final = "final done" if (run_dir / "final" / "metrics.json").is_file() else "no final"
    start_ready = "start ready" if (run_dir / "start" / "spec.json").is_file() else "no start network"
    return (
        f"{start_ready}, {counts['finished']} children finished, {counts['pending']} pending, "
        f"{episodes} episodes checkpointed, {final}"
    )


def kill_at(arguments: list[str], run_dir: Path, phase: str, delay: float, log: Path) -> str:
    """Run the search until it pauses at `phase` (or, for "random", until `delay` seconds passed),
    SIGKILL it, check that no process it started outlives it for long (a pool's workers would go on
    using the cores), and say where it stood."""
    marker = run_dir.parent / "marker"
    marker.unlink(missing_ok=True)
    search_log = run_dir / "search.log"
    is_random = phase.startswith("random")
    # "random" counts the delay from this process's first log line (its imports take seconds),
    # "random-search" from the line that starts the search loop (the start network is ready then).
    needle = "INFO eas.search: search " if phase == "random-search" else ""

    def lines() -> int:
        text = search_log.read_text() if search_log.is_file() else ""
        return sum(1 for line in text.splitlines() if needle in line)

    lines_before = lines()
    process = start(arguments, marker, "" if is_random else phase, log)
    working_since: list[float] = []

    def reached() -> bool:
        if not is_random:
            return marker.is_file()
        if not working_since and lines() > lines_before:
            working_since.append(time.monotonic())
        return bool(working_since) and time.monotonic() - working_since[0] >= delay

    started = time.monotonic()

    try:
        while not reached():
            if is_random and process.poll() == 0:
                return f"{phase} ({delay:.2f} s): the run finished before the kill"
            assert process.poll() is None, f"the search ended before the kill at {phase} (see {log})"
            assert time.monotonic() - started < 120, f"the search never reached {phase}"
            time.sleep(0.02)
        started_by_it = descendants(process.pid)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    # A worker notices its parent is gone at its next message (a progress report, or the next task).
    ends_by = time.monotonic() + 60
    while any(alive(pid, since) for pid, since in started_by_it.items()) and time.monotonic() < ends_by:
        time.sleep(0.1)
    left = [pid for pid, since in started_by_it.items() if alive(pid, since)]
    assert not left, f"a process of the killed search outlived it ({phase}): {left}"
    last_line = search_log.read_text().splitlines()[-1].split(": ")[0] if search_log.is_file() else "no log"
    ended = f"{len(started_by_it)} processes it started ended"
    return f"{phase} ({delay:.2f} s): {where_it_stood(run_dir)}; last log line from {last_line}; {ended}"


def trial_rows(run_dir: Path) -> list[tuple]:
    connection = sqlite3.connect(run_dir / "trials.sqlite")
    try:
        return connection.execute(f"SELECT {TRIAL_COLUMNS} FROM trials ORDER BY trial_id").fetchall()
    finally:
        connection.close()


def episode_rows(run_dir: Path) -> dict[str, Any]:
    """The stored episode table, without the seconds (which differ between processes)."""
    connection = sqlite3.connect(run_dir / "trials.sqlite")
    try:
        rows = connection.execute("SELECT key, value FROM meta WHERE key LIKE 'episode/%'").fetchall()
    finally:
        connection.close()
    return {key: {k: v for k, v in json.loads(value).items() if k != "elapsed_seconds"} for key, value in rows}


def kept_weights(run_dir: Path) -> dict[str, str]:
    """The SHA-256 of the weights of every kept network (start, children, final), by folder."""
    return {
        str(spec.parent.relative_to(run_dir)): json.loads(spec.read_text())["weights_sha256"]
        for spec in sorted(run_dir.glob("**/spec.json"))
    }


def assert_same_state(left: Any, right: Any, where: str = "strategy") -> None:
    """Recursively equal, tensors bit for bit."""
    if isinstance(left, torch.Tensor):
        assert isinstance(right, torch.Tensor) and torch.equal(left, right), where
    elif isinstance(left, dict):
        assert isinstance(right, dict) and left.keys() == right.keys(), where
        for key in left:
            assert_same_state(left[key], right[key], f"{where}.{key}")
    elif isinstance(left, list | tuple):
        assert isinstance(right, list | tuple) and len(left) == len(right), where
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same_state(a, b, f"{where}[{index}]")
    else:
        assert left == right, where


def kill_and_resume(tmp_path: Path, dataset: str, kills: list[tuple[str, float]], executor: str = "local") -> list[str]:
    """Kill a search at each of `kills`, resume it to the end, and compare it with an uninterrupted run."""
    log = tmp_path / "output.log"
    reference = tmp_path / "reference"
    process = start(search_arguments(dataset, reference, executor), tmp_path / "unused", "", log)
    assert process.wait(timeout=300) == 0, log.read_text()

    interrupted = tmp_path / "interrupted"
    arguments = search_arguments(dataset, interrupted, executor)
    report = [kill_at(arguments, interrupted, phase, delay, log) for phase, delay in kills]
    process = start(arguments, tmp_path / "unused", "", log)
    assert process.wait(timeout=300) == 0, log.read_text()

    rows = trial_rows(interrupted)
    assert rows == trial_rows(reference), "the resumed run's trials differ from the uninterrupted run's"
    keys = [(row[1], row[2]) for row in rows]
    assert len(keys) == len(set(keys)) == 1 + 3 * 3, "a trial is missing or stored twice"
    assert all(row[8] in ("ok", "diverged", "failed") for row in rows), "a trial was left half-done"
    assert all(row[11] is not None for row in rows if row[8] == "ok")
    assert episode_rows(interrupted) == episode_rows(reference)
    ours = torch.load(interrupted / "checkpoint.pt", weights_only=True)
    theirs = torch.load(reference / "checkpoint.pt", weights_only=True)
    assert ours["episodes_completed"] == theirs["episodes_completed"] == 3
    assert_same_state(ours["strategy"], theirs["strategy"])
    assert not (interrupted / ".checkpoint.pt.tmp").exists()
    assert kept_weights(interrupted) == kept_weights(reference), "kept networks differ"
    final, expected = (json.loads((run / "final" / "metrics.json").read_text()) for run in (interrupted, reference))
    for key in ("trial", "arch", "test_accuracy", "search_validation_accuracy"):
        assert final[key] == expected[key], key
    return report


def test_killed_in_each_phase_then_resumed_equals_an_uninterrupted_run(tmp_path: Path, toy_dataset_name: str):
    kills = [("start", 0.0), ("store", 0.0), ("controller", 0.0), ("final", 0.0)]
    report = kill_and_resume(tmp_path, toy_dataset_name, kills)
    print("\n".join(report))  # where each kill landed (pytest -s)


def test_a_pool_search_killed_then_resumed_equals_an_uninterrupted_one_and_leaves_no_workers(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    """The same with children on a pool of worker processes: killed while a worker trains a child (the
    parent paused as it stores another's result) and between the controller's update and its checkpoint;
    no worker outlives the killed search, and the resumed run ends as an uninterrupted pool run does."""
    report = kill_and_resume(tmp_path, toy_dataset_name, [("store", 0.0), ("controller", 0.0)], executor="pool")
    print("\n".join(report))
    # Each kill found the pool's two workers (and multiprocessing's helper) running, and saw them end.
    counts = [int(line.rsplit("; ", 1)[1].split()[0]) for line in report]
    assert all(count >= 2 for count in counts), report


def test_a_ray_search_killed_then_resumed_equals_an_uninterrupted_one_and_leaves_no_ray_processes(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    """The same on the Ray executor, whose local instance the search starts itself: the killed search's
    Ray processes (its head node's servers and the workers training children) end with it, and the
    resumed run, on a Ray instance of its own, ends as an uninterrupted Ray run does. Without the
    executor's guardian (eas.executors.guardian) a process of the killed instance still ran 60 s later."""
    pytest.importorskip("ray", reason="the ray executor's tests need Ray (pip install -e '.[dev]' installs it)")
    report = kill_and_resume(tmp_path, toy_dataset_name, [("store", 0.0), ("controller", 0.0)], executor="ray")
    print("\n".join(report))
    # A local Ray instance is several processes (its control store, the raylet, the workers), all started
    # from the search's process: each kill must have found them, or the check above proved nothing.
    counts = [int(line.rsplit("; ", 1)[1].split()[0]) for line in report]
    assert all(count >= 3 for count in counts), report


@pytest.mark.slow
def test_killed_in_each_phase_then_resumed_equals_an_uninterrupted_run_long(tmp_path: Path, toy_dataset_name: str):
    delays = random.Random(0)
    kills = [("start", 0.0)] + [("random", delays.uniform(0.0, 0.6)) for _ in range(2)]
    kills += [(phase, 0.0) for phase in PHASES[1:-1]]
    # Late in the run each process has under a second of work left after its first log line.
    kills += [("random-search", delays.uniform(0.0, 0.3)) for _ in range(2)] + [("final", 0.0)]
    report = kill_and_resume(tmp_path, toy_dataset_name, kills)
    print("\n".join(report))
