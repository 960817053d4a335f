"""A trained toy checkpoint for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.cli import main
from tests.toy_data import write_toy_npz

ARCH = "conv-4-3 pool conv-8-3 gap fc-8"


@pytest.fixture
def trained(tmp_path: Path, capsys) -> tuple[Path, str, str]:
    """Train ARCH for one epoch; returns (checkpoint folder, dataset name, printed output)."""
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=200, test=40, size=8)}"
    out = tmp_path / "checkpoint"
    arguments = ["train", "--dataset", dataset, "--arch", ARCH, "--epochs", "1", "--validation-size", "20"]
    assert main([*arguments, "--out", str(out)]) == 0
    return out, dataset, capsys.readouterr().out
