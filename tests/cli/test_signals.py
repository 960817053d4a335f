"""`eas search` stopped by Ctrl-C (SIGINT) or SIGTERM in a real process: it exits within seconds with
130 or 143, says on stderr how to resume, and re-running the same command finishes the run. A second
search on the same run directory meanwhile is refused."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eas.cli import main
from tests.toy_data import write_toy_npz

# Ctrl-C's KeyboardInterrupt, as in a terminal: a test run started in the background by a shell (`make test
# &`, a CI runner) passes SIGINT on as ignored, and Python then leaves it ignored, rightly (nohup), so
# without this the search would not see the SIGINT and the test would fail for the way it was started.
COMMAND = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from eas.cli import main; sys.exit(main(sys.argv[1:]))"
)
# Generous: a clean stop takes well under a second; this only catches a process that ignores the signal.
STOP_SECONDS = 20.0


def statuses(run_dir: Path) -> list[str]:
    """Statuses of the children stored so far (empty before the store exists)."""
    if not (run_dir / "trials.sqlite").is_file():
        return []
    connection = sqlite3.connect(run_dir / "trials.sqlite", timeout=30)
    try:
        return [row[0] for row in connection.execute("SELECT status FROM trials WHERE episode >= 0")]
    except sqlite3.OperationalError:  # the tables are not created yet
        return []
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("number", "status", "name"), [(signal.SIGINT, 130, "Ctrl-C (SIGINT)"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_signal_stops_the_search_cleanly_and_a_rerun_finishes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], number: int, status: int, name: str
):
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    run_dir = tmp_path / "run"
    arguments = ["search", "--preset", "smoke", "--dataset", dataset, "--run-dir", str(run_dir), "--episodes", "6"]
    arguments += ["--threads", "1"]
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-c", COMMAND, *arguments],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = time.monotonic()
        while "ok" not in statuses(run_dir):  # mid-search: the start network and a child are done
            assert process.poll() is None, f"the search ended before the signal: {process.communicate()}"
            assert time.monotonic() - started < 120, "no child finished in 120 s"
            time.sleep(0.02)
        # Meanwhile a second search on the same run directory is refused, naming the first.
        assert main(arguments) == 2
        assert f"is in use by process {process.pid}" in capsys.readouterr().err
        assert process.poll() is None, "the search ended before the signal"
        sent = time.monotonic()
        process.send_signal(number)
        _, errors = process.communicate(timeout=STOP_SECONDS)
        stopped_after = time.monotonic() - sent
    finally:
        process.kill()
        process.wait()
    assert process.returncode == status, errors
    assert stopped_after < STOP_SECONDS
    assert f"eas search: stopped by {name}; everything finished is saved." in errors
    assert f"Re-run the same command to resume {run_dir}." in errors
    assert "Traceback" not in errors
    assert "pending" in statuses(run_dir) or len(statuses(run_dir)) < 18, "the signal came after the search's end"

    assert main(arguments) == 0
    finished = statuses(run_dir)
    assert len(finished) == 6 * 3 and "pending" not in finished
