"""`eas search` and `eas train --from-run` on a toy dataset, through `eas.cli.main`."""

from __future__ import annotations

from pathlib import Path

from eas.cli import main
from eas.search import RunLockedError  # noqa: F401 - the CLI maps it to exit code 2
from eas.search.store import RunLock
from tests.toy_data import write_toy_npz


def test_search_then_final_training(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    run_dir = tmp_path / "run"
    arguments = ["search", "--preset", "smoke", "--dataset", dataset, "--run-dir", str(run_dir), "--episodes", "1"]
    assert main(arguments) == 0
    output = capsys.readouterr().out
    assert "best architecture:" in output and f"run directory: {run_dir}" in output
    assert "best validation accuracy:" in output

    assert main(["train", "--from-run", str(run_dir), "--epochs", "1"]) == 0
    output = capsys.readouterr().out
    assert "test accuracy:" in output and (run_dir / "final" / "weights.safetensors").is_file()

    with RunLock(run_dir):
        assert main(arguments) == 2
    assert "in use" in capsys.readouterr().err


def test_search_rejects_unknown_preset(tmp_path: Path, capsys) -> None:
    assert main(["search", "--preset", "nope", "--run-dir", str(tmp_path / "r")]) == 2
    assert "unknown preset" in capsys.readouterr().err
