"""Reading a run for the report: errors on bad input, progress, episode statistics (store and log),
Pareto front, lineage and top networks."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

from eas.evaluation.status import OK
from eas.report.data import RunData, lineage, load_run, pareto_front, progress, top_trials
from eas.search.trial import START_EPISODE, Trial


def _trial(trial_id: int, accuracy: float, parameters: int, arch: str = "a", episode: int = 0) -> Trial:
    return Trial(
        episode, trial_id, arch, "{}", status=OK, validation_accuracy=accuracy, parameters=parameters, trial_id=trial_id
    )


def test_a_folder_that_is_no_run_is_a_file_not_found_error_naming_the_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"not a search run directory.*eas search --run-dir"):
        load_run(tmp_path)


def test_a_run_without_any_evaluated_network_is_a_value_error(tmp_path: Path, rl_run: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy(rl_run / "config.json", empty / "config.json")
    from eas.search.store import TrialStore

    TrialStore(empty / "trials.sqlite").close()
    with pytest.raises(ValueError, match=r"no evaluated network yet.*eas search --run-dir"):
        load_run(empty)


def test_progress_counts_trained_children_and_never_lowers_the_best(rl_run: Path) -> None:
    run = load_run(rl_run)
    points = progress(run)
    trained = [t for t in run.evaluated() if t.is_child]
    assert [p.networks for p in points] == list(range(1, len(trained) + 1))
    start = run.start_trial()
    assert start is not None and start.validation_accuracy is not None
    assert points[0].best_so_far >= start.validation_accuracy
    assert all(b.best_so_far >= a.best_so_far for a, b in itertools.pairwise(points))
    assert all(p.best_so_far >= p.accuracy for p in points)
    assert all(b.seconds >= a.seconds >= 0 for a, b in itertools.pairwise(points))


def test_the_store_keeps_reward_baseline_and_entropy_per_episode(rl_run: Path, random_run: Path) -> None:
    run = load_run(rl_run)
    assert [row["episode"] for row in run.episodes] == [0, 1]
    for row in run.episodes:
        assert {"mean_reward", "baseline", "entropy", "loss"} <= set(row)
        assert row["entropy"] > 0
    # Random search has no controller: rewards yes, no baseline or entropy.
    random_rows = load_run(random_run).episodes
    assert len(random_rows) == 2 and all("baseline" not in row and "mean_reward" in row for row in random_rows)


def test_runs_stored_before_the_episode_rows_read_them_from_search_log(tmp_path: Path, rl_run: Path) -> None:
    copy = tmp_path / "old"
    shutil.copytree(rl_run, copy)
    import sqlite3

    with sqlite3.connect(copy / "trials.sqlite") as connection:
        connection.execute("DELETE FROM meta WHERE key LIKE 'episode/%'")
    line = "2026-01-01 00:00:00,000 INFO eas.search: episode {}: {{'episode': {}, 'mean_accuracy': nan, "
    line += "'baseline': {}, 'entropy': 2.5, 'best_arch': 'conv-4-3 gap'}}\n"
    text = line.format(0, 0, 0.5) + "a cut line: episode 1: {'episode': 1,\n" + line.format(1, 1, 0.75)
    text += line.format(1, 1, 0.8)  # a resumed episode logs again: the last line wins
    (copy / "search.log").write_text(text)
    rows = load_run(copy).episodes
    assert [(row["episode"], row["baseline"], row["mean_accuracy"]) for row in rows] == [(0, 0.5, None), (1, 0.8, None)]


def test_final_metrics_are_read_when_the_run_has_them(rl_run: Path, random_run: Path) -> None:
    final = load_run(rl_run).final
    assert final is not None
    assert final == json.loads((rl_run / "final" / "metrics.json").read_text())
    assert 0.0 <= final["test_accuracy"] <= 1.0
    assert load_run(random_run).final is None


def test_pareto_front_keeps_only_networks_nobody_beats_on_both_axes() -> None:
    trials = [
        _trial(1, 0.80, 100),
        _trial(2, 0.85, 200),
        _trial(3, 0.82, 300),
        _trial(4, 0.90, 400),
        _trial(5, 0.79, 50),
        _trial(6, 0.85, 250),
    ]
    assert [t.trial_id for t in pareto_front(trials, "parameters")] == [5, 1, 2, 4]


def _run_of(trials: list[Trial]) -> RunData:
    return RunData("r", Path("r"), "rl", tuple(trials), {}, ())


def test_lineage_follows_parents_back_to_the_start_network() -> None:
    start = Trial(START_EPISODE, 0, "s", "{}", status=OK, validation_accuracy=0.5, trial_id=1)
    first = Trial(0, 0, "a", "{}", status=OK, validation_accuracy=0.6, parent_trial=None, trial_id=2)
    second = Trial(2, 0, "b", "{}", status=OK, validation_accuracy=0.7, parent_trial=2, trial_id=5)
    other = Trial(1, 0, "c", "{}", status=OK, validation_accuracy=0.1, parent_trial=None, trial_id=3)
    run = _run_of([start, first, other, second])
    assert [t.trial_id for t in lineage(run, second)] == [1, 2, 5]
    assert [t.trial_id for t in lineage(run, start)] == [1]


def test_lineage_of_a_stored_run_starts_at_its_start_network(rl_run: Path) -> None:
    run = load_run(rl_run)
    best = run.best()
    assert best is not None
    chain = lineage(run, best)
    assert chain[0] == run.start_trial() and chain[-1] == best
    for parent, child in itertools.pairwise(chain):
        assert child.parent_trial in (None, parent.trial_id)
        assert child.parent_arch == parent.arch


def test_top_trials_are_sorted_and_list_each_architecture_once() -> None:
    run = _run_of([_trial(1, 0.8, 1, "a"), _trial(2, 0.9, 1, "b"), _trial(3, 0.9, 1, "a"), _trial(4, 0.7, 1, "c")])
    assert [t.trial_id for t in top_trials(run, 2)] == [2, 3]
    assert [t.trial_id for t in top_trials(run, 10)] == [2, 3, 4]
