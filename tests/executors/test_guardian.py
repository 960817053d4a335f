"""The guardian: what a killed process started ends with it; nothing ends while it lives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from eas.executors import guardian
from eas.executors.guardian import alive, descendants, end, start_guardian

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="the guardian reads /proc")

# A process that starts a guardian on itself, then a child that starts a grandchild, prints their pids
# and waits to be killed. The children ignore SIGTERM: the guardian must fall back to SIGKILL.
PARENT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    sys.path.insert(0, sys.argv[1])
    from guardian import start_guardian
    keeper = start_guardian(os.getpid())
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"
    child_code = (
        "import subprocess, sys, time; "
        f"grandchild = subprocess.Popen([sys.executable, '-c', {stubborn!r}]); "
        "print(grandchild.pid, flush=True); time.sleep(300)"
    )
    child = subprocess.Popen([sys.executable, "-c", child_code], stdout=subprocess.PIPE, text=True)
    grandchild = int(child.stdout.readline())
    print(keeper.pid, child.pid, grandchild, flush=True)
    time.sleep(300)
    """
)


def start_parent() -> tuple[subprocess.Popen[str], list[int]]:
    """The parent above and the pids of its guardian, child and grandchild."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(Path(guardian.__file__).parent)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    pids = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(pids) == 3, "the parent did not report its processes"
    return parent, pids


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_killed_process_s_children_and_grandchildren_end_and_so_does_the_guardian() -> None:
    parent, (keeper, child, grandchild) = start_parent()
    try:
        time.sleep(3 * guardian.INTERVAL)  # the guardian has recorded both
        assert all(alive(pid) for pid in (keeper, child, grandchild))
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        # The grandchild ignores SIGTERM: it ends only by the SIGKILL that follows the grace period.
        assert wait_until(lambda: not alive(child), 5), "the child outlived the killed parent"
        assert wait_until(lambda: not alive(grandchild), guardian.GRACE + 5), "the grandchild outlived it"
        assert wait_until(lambda: not alive(keeper), 5), "the guardian did not exit after its work"
    finally:
        for pid in (child, grandchild, keeper):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_nothing_ends_while_the_watched_process_lives() -> None:
    parent, (keeper, child, grandchild) = start_parent()
    try:
        time.sleep(6 * guardian.INTERVAL)
        assert all(alive(pid) for pid in (parent.pid, keeper, child, grandchild))
    finally:
        parent.kill()
        parent.wait()
    assert wait_until(lambda: not alive(child), 5)


def test_end_leaves_a_process_that_reused_a_recorded_pid() -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        recorded = descendants(os.getpid())
        assert sleeper.pid in recorded
        # The same pid recorded with another start time stands for an earlier process that has ended.
        end({sleeper.pid: str(int(recorded[sleeper.pid]) - 1)}, grace=0.1)
        assert sleeper.poll() is None
        end({sleeper.pid: recorded[sleeper.pid]}, grace=0.1)
        assert sleeper.wait(timeout=5) == -signal.SIGTERM
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_guardian_ends_on_sigterm_and_one_watching_a_process_already_gone_ends_nothing() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    keeper = start_guardian(os.getpid())
    assert keeper is not None
    keeper.terminate()  # as the Ray executor's close() does
    assert keeper.wait(timeout=5) == -signal.SIGTERM
    assert guardian.watch(gone.pid, interval=0.01, grace=0.1) == {}
