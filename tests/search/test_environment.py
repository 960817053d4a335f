"""`environment.json`: one record per session with versions, device, threads and the git commit."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy
import pytest
import torch

import eas
from eas.search import environment
from eas.search.environment import (
    ENVIRONMENT_FILE,
    cuda_device_names,
    git_commit,
    record_environment,
    training_devices,
)
from eas.search.presets import preset


def test_first_session_writes_versions_device_and_threads(tmp_path: Path) -> None:
    record = record_environment(tmp_path, preset("smoke"))
    stored = json.loads((tmp_path / ENVIRONMENT_FILE).read_text())
    assert stored == {"sessions": [record]}
    versions = record["versions"]
    assert versions["eas"] == eas.__version__ and versions["torch"] == torch.__version__
    assert versions["numpy"] == numpy.__version__ and versions["python"].count(".") == 2
    assert record["torch_threads"] == torch.get_num_threads()
    assert record["devices"] == ["cpu"] and record["cuda_devices"] == {}
    assert record["started"].endswith("+00:00")


def test_each_later_session_is_appended(tmp_path: Path) -> None:
    first = record_environment(tmp_path, preset("smoke"))
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        second = record_environment(tmp_path, preset("smoke"))
    finally:
        torch.set_num_threads(torch_threads)
    sessions = json.loads((tmp_path / ENVIRONMENT_FILE).read_text())["sessions"]
    assert sessions == [first, second] and second["torch_threads"] == 1


def test_an_unreadable_file_is_started_again(tmp_path: Path) -> None:
    (tmp_path / ENVIRONMENT_FILE).write_text("{not json")
    record = record_environment(tmp_path, preset("smoke"))
    assert json.loads((tmp_path / ENVIRONMENT_FILE).read_text()) == {"sessions": [record]}


def test_devices_are_those_the_recipes_name_and_cuda_is_asked_only_when_named(monkeypatch) -> None:
    config = preset("paper-cifar10")
    config = replace(config, child_training=replace(config.child_training, device="cuda:0"))
    assert training_devices(config) == ["cpu", "cuda:0"]

    def fail() -> bool:
        raise AssertionError("CUDA queried for a CPU run")

    monkeypatch.setattr(torch.cuda, "is_available", fail)
    assert cuda_device_names(["cpu"]) == {}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: f"Fake GPU {device.index}")
    assert cuda_device_names(["cpu", "cuda:0"]) == {"cuda:0": "Fake GPU 0"}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cuda_device_names(["cuda"]) == {}


def test_no_git_record_outside_a_checkout_or_without_git(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "__init__.py").write_text("")
    assert git_commit(tmp_path) is None

    def missing(*arguments: object, **options: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(environment.subprocess, "run", missing)
    assert git_commit(Path(environment.__file__).parents[1]) is None


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_and_dirty_flag_of_a_checkout(tmp_path: Path) -> None:
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("x = 1\n")

    def git(*arguments: str) -> str:
        command = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org", *arguments]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "--quiet")
    # A folder of the checkout whose __init__.py is not tracked yet (an installed copy, say) has no record.
    assert git_commit(package) is None
    git("add", ".")
    git("commit", "--quiet", "-m", "first")
    head = git("rev-parse", "HEAD")
    assert git_commit(package) == {"commit": head, "dirty": False}
    (package / "__init__.py").write_text("x = 2\n")
    assert git_commit(package) == {"commit": head, "dirty": True}
    (tmp_path / "untracked.txt").write_text("")  # untracked files do not make the code dirty
    (package / "__init__.py").write_text("x = 1\n")
    assert git_commit(package) == {"commit": head, "dirty": False}
