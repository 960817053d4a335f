"""A guardian process that ends what a search started once the search itself is gone.

A local Ray instance is several processes that the search starts (its control store, the raylet, agents,
the workers training children). A search ended with SIGKILL (the OOM killer, `kill -9`, a lost session)
cannot shut them down, and Ray's own clean-up left one of them running for minutes after such a kill
(tests/search/test_kill_loop.py), holding cores and memory. The guardian is a separate process, in a
session of its own so that a Ctrl-C aimed at the search does not end it first: while the search lives it
records the search's descendants every `INTERVAL` seconds; once the search is gone it ends the recorded
processes that still run (SIGTERM, then SIGKILL after `GRACE` seconds) and exits. It ends every process
the search's process started, not only Ray's: a program that runs a search and starts other processes
meant to outlive it should start them after the executor is closed (closing it stops the guardian).

This file imports only the standard library, and runs as a script (not `python -m eas...`), so that the
guardian starts in milliseconds and does not load torch. It reads /proc: on systems without it (macOS,
Windows) `start_guardian` starts nothing and returns None.

    python guardian.py PID    # watch PID (what `start_guardian(pid)` runs)
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

INTERVAL = 0.5  # seconds between records of the search's descendants
GRACE = 5.0  # seconds between SIGTERM and SIGKILL
PROC = Path("/proc")


def start_guardian(pid: int) -> subprocess.Popen[bytes] | None:
    """Start a guardian watching process `pid` (None where there is no /proc to read)."""
    if not (PROC / str(pid) / "stat").is_file():
        return None
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), str(pid)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of `pid`, or None once it is gone. The start time (in clock ticks
    since boot) tells a process from a later one that reuses its pid."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), fields[0], fields[19]


def alive(pid: int, start_time: str | None = None) -> bool:
    """True while `pid` runs (not a zombie), and is the process that started at `start_time` if given."""
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z" and (start_time is None or stat[2] == start_time)


def descendants(pid: int) -> dict[int, str]:
    """The processes below `pid` (children, theirs, ...), each with its start time."""
    parents: dict[int, int] = {}
    starts: dict[int, str] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                parents[int(entry.name)], starts[int(entry.name)] = stat[0], stat[2]
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return {child: starts[child] for child in found}


def end(processes: dict[int, str], grace: float = GRACE) -> None:
    """SIGTERM the `processes` (pid -> start time) that still run, then SIGKILL those left after `grace`."""
    for signal_number, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 0.0)):
        running = {pid: start for pid, start in processes.items() if alive(pid, start)}
        for pid in running:
            with contextlib.suppress(OSError):  # it ended meanwhile
                os.kill(pid, signal_number)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(alive(pid, start) for pid, start in running.items()):
            time.sleep(0.1)


def watch(pid: int, interval: float = INTERVAL, grace: float = GRACE) -> dict[int, str]:
    """Record `pid`'s descendants until `pid` is gone, then end them; returns those recorded."""
    start_time = _stat(pid)
    recorded: dict[int, str] = {}
    while start_time is not None and alive(pid, start_time[2]):
        recorded.update(descendants(pid))
        time.sleep(interval)
    recorded.pop(os.getpid(), None)  # the guardian is one of the search's children itself
    end(recorded, grace)
    return recorded


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(f"usage: {sys.argv[0]} PID (the process whose descendants to end once it is gone)")
    # A terminal's Ctrl-C or hang-up aimed at the search must not end the guardian before it has done its work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    watch(int(sys.argv[1]))
