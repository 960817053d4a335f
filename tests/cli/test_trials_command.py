"""`eas trials`: the run's trials as a table, sorted and cut as asked."""

from __future__ import annotations

from pathlib import Path

from eas.cli import main
from eas.search import SearchRun


def _rows(output: str) -> list[list[str]]:
    lines = output.strip().splitlines()
    assert lines[0].split()[:9] == [
        "trial",
        "ep",
        "status",
        "before%",
        "after%",
        "params",
        "FLOPs",
        "seconds",
        "parent",
    ]
    return [line.split() for line in lines[1:] if not line.startswith("(")]


def test_the_table_lists_every_trial_best_first(found_run, capsys) -> None:
    assert main(["trials", str(found_run.run_dir)]) == 0
    rows = _rows(capsys.readouterr().out)
    trials = SearchRun(found_run.run_dir).trials()
    assert sorted(int(row[0]) for row in rows) == sorted(trial.trial_id for trial in trials)
    accuracies = [float(row[4]) for row in rows if row[4] != "-"]
    assert accuracies == sorted(accuracies, reverse=True) and accuracies
    by_id = {trial.trial_id: trial for trial in trials}
    for row in rows:
        trial = by_id[int(row[0])]
        assert " ".join(row[9:]) == trial.arch
        assert row[1] == ("start" if not trial.is_child else str(trial.episode))
        assert row[8] == ("-" if not trial.is_child else str(trial.parent_trial or "start"))


def test_sorting_by_parameters_and_cutting_to_the_top(found_run, capsys) -> None:
    assert main(["trials", str(found_run.run_dir), "--sort", "params", "--top", "2"]) == 0
    output = capsys.readouterr().out
    rows = _rows(output)
    trials = SearchRun(found_run.run_dir).trials()
    smallest = sorted(trials, key=lambda trial: (trial.parameters, trial.trial_id))[:2]
    assert [int(row[0]) for row in rows] == [trial.trial_id for trial in smallest]
    assert f"(2 of {len(trials)} trials)" in output


def test_a_missing_run_and_a_bad_top_give_exit_status_2(found_run, tmp_path: Path, capsys) -> None:
    assert main(["trials", str(tmp_path / "nowhere")]) == 2
    assert "is not a search run directory" in capsys.readouterr().err
    assert main(["trials", str(found_run.run_dir), "--top", "0"]) == 2
    assert "--top must be a positive number" in capsys.readouterr().err
