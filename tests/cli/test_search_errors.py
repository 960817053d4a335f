"""What `eas search` prints when the search stops on a fault it cannot get past: a run directory it
cannot write, too many failed children in a row. One error line on stderr, status 1, no traceback."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

import eas.evaluation.child
from eas.cli import main
from eas.search.rundir import RunDirectory
from tests.toy_data import write_toy_npz


def search(tmp_path: Path, *extra: str) -> list[str]:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    return ["search", "--preset", "smoke", "--dataset", dataset, "--run-dir", str(tmp_path / "run"), *extra]


def test_a_full_disk_is_one_line_naming_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    def full_disk(self: RunDirectory, *arguments: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(RunDirectory, "save_progress", full_disk)
    assert main(search(tmp_path, "--episodes", "1")) == 1
    output = capsys.readouterr().err
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if "error" in line]  # not the progress lines
    assert len(errors) == 1 and errors[0].startswith("eas search: error: cannot write the run directory")
    assert "its disk is full" in errors[0] and "free some space" in errors[0]
    assert "re-run the same command to resume" in errors[0]


def test_too_many_failures_in_a_row_is_one_line_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    def out_of_memory(*arguments: Any) -> Any:
        raise MemoryError("cannot allocate 4 GiB")

    monkeypatch.setattr(eas.evaluation.child, "_evaluate", out_of_memory)
    assert main(search(tmp_path, "--episodes", "5", "--set", "max_consecutive_failures=2")) == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("eas search: error: 2 children in a row failed")
    assert "MemoryError: cannot allocate 4 GiB" in errors[0]
    assert "--set max_consecutive_failures=N" in errors[0]
