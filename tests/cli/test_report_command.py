"""`eas report` through `eas.cli.main`: the files it writes and its errors on bad input."""

from __future__ import annotations

from pathlib import Path

from eas.cli import main
from eas.search import preset, run_search
from tests.toy_data import write_toy_npz


def test_report_writes_html_and_markdown_and_says_where(tmp_path: Path, capsys) -> None:
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"
    run_dir = tmp_path / "run"
    run_search(preset("smoke", dataset=dataset, episodes=1), run_dir)
    out = tmp_path / "report"
    assert main(["report", str(run_dir), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'report.html'}" in printed
    assert (out / "report.html").is_file() and (out / "report.md").is_file() and (out / "progress.png").is_file()


def test_report_on_a_folder_that_is_no_run_is_exit_code_2_naming_the_fix(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert "not a search run directory" in error and "eas search --run-dir" in error
    assert not (tmp_path / "out").exists()
