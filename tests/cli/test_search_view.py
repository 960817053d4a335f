"""The terminal view of a search: what each event prints (tables on stdout, messages and bars on stderr)."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from eas.cli.search_view import SearchView
from eas.evaluation.status import OK
from eas.search import Trial, run_search
from eas.train import Progress
from tests.search.conftest import toy_config

HEADER = " ep nets  mean%   max%  reward baseline  best%  best architecture"


def episode_row(episode: int = 0, **changes: Any) -> dict[str, Any]:
    """An `episode_end` payload as `EpisodeRunner.episode_row` builds it (with the REINFORCE stats)."""
    row = {
        "episode": episode,
        "networks": 3,
        "trained": 3,
        "failed": 0,
        "mean_accuracy": 0.5,
        "max_accuracy": 0.75,
        "mean_reward": 0.123,
        "best_accuracy": 0.8125,
        "best_arch": "conv-4-3 pool conv-8-3 gap",
        "elapsed_seconds": 1.5,
        "baseline": 0.1,
        "loss": 0.2,
        "entropy": 1.0,
    }
    row.update(changes)
    return row


def finished_trial(accuracy: float | None) -> Trial:
    return Trial(0, 0, "conv-4-3 gap", "{}", status=OK, validation_accuracy=accuracy, trial_id=2)


def test_start_events_print_the_start_network(capsys) -> None:
    view = SearchView(episodes=2)
    view("start_training", {"arch": "conv-4-3 gap", "epochs": 2})
    view("progress", {"label": "start", "progress": Progress(epoch=0, epochs=2, step=0, steps=4, loss=1.0)})
    view("start_ready", {"arch": "conv-4-3 gap", "validation_accuracy": 0.625, "origin": "trained 2 epochs"})
    view.close()
    captured = capsys.readouterr()
    assert "training the start network conv-4-3 gap for 2 epochs" in captured.err
    assert captured.out == "start network conv-4-3 gap: validation 62.50% (trained 2 epochs)\n"


def test_episode_end_prints_the_header_once_and_one_row_per_episode(capsys) -> None:
    view = SearchView(episodes=2)
    view("episode_start", {"episode": 0, "trials": 3})
    view("trial_start", {"trial_id": 2, "position": 0, "tasks": 3})
    view("trial_end", {"trial": finished_trial(0.75), "cached": False})
    view("episode_end", episode_row(0))
    view("episode_start", {"episode": 1, "trials": 3})
    view("episode_end", episode_row(1, mean_accuracy=math.nan, max_accuracy=math.nan, baseline=None))
    view.close()
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        HEADER,
        "  0    3  50.00  75.00   0.123    0.100  81.25  conv-4-3 pool conv-8-3 gap",
        # An episode with no successful child shows dashes, and a strategy without a baseline a dash.
        "  1    3    -      -     0.123        -  81.25  conv-4-3 pool conv-8-3 gap",
    ]


def test_a_row_with_a_twin_prints_what_growth_gained_over_it(capsys) -> None:
    view = SearchView(episodes=1)
    view("episode_end", episode_row(0, twin_accuracy=0.7, growth_gain=0.05))
    view.close()
    lines = capsys.readouterr().out.splitlines()
    twin_line = (
        "    the stage's start fine-tuned unchanged (parent_twin): 70.00; this episode's best child +5.00 points"
    )
    assert lines[2] == twin_line


def test_an_episode_cut_by_the_budget_prints_the_twin_line_of_the_children_that_finished(capsys) -> None:
    view = SearchView(episodes=1)
    view("episode_start", {"episode": 0, "trials": 4})
    view("episode_cut", {"episode": 0, "children": 3, "scored": 2, "twin_accuracy": 0.7, "growth_gain": -0.0125})
    assert view.children is None
    view("episode_cut", {"episode": 1, "children": 3, "scored": 1})  # no twin: nothing to say
    view.close()
    assert capsys.readouterr().out.splitlines() == [
        "    the stage's start fine-tuned unchanged (parent_twin): 70.00; this episode's best child -1.25 points"
        " (the budget cut the episode: 2 of 3 children scored)"
    ]


def test_a_row_without_reinforce_stats_has_no_baseline(capsys) -> None:
    view = SearchView(episodes=None)
    row = episode_row(4)
    for name in ("baseline", "loss", "entropy"):
        del row[name]  # random search and hill climbing return no figures
    view("episode_end", row)
    view.close()
    assert capsys.readouterr().out.splitlines()[1] == (
        "  4    3  50.00  75.00   0.123        -  81.25  conv-4-3 pool conv-8-3 gap"
    )


def test_stage_start_and_stopped(capsys) -> None:
    view = SearchView(episodes=4)
    view("stage_start", {"stage": 1, "trial_id": 5, "arch": "conv-8-3 gap", "accuracy": 0.9})
    view("stopped", {"reason": "4 episodes done"})
    captured = capsys.readouterr()
    assert captured.out == "stage 1: restarting from trial 5 conv-8-3 gap (90.00%)\n"
    assert captured.err.strip() == "search stopped: 4 episodes done"
    view.close()  # stopped already closed the bars; closing again is harmless
    view.close()


def test_stage_training_is_announced(capsys) -> None:
    view = SearchView(episodes=1)
    view("stage_training", {"stage": 1, "arch": "conv-4-3 gap"})
    view.close()
    assert capsys.readouterr().err == "stage 1: training the best network conv-4-3 gap longer\n"


def test_unknown_events_are_ignored(capsys) -> None:
    view = SearchView(episodes=1)
    view("trial_start", {"trial_id": 1, "position": 0, "tasks": 1})
    view("something_new", {})
    view.close()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def pretend_terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """Make stderr claim to be a terminal, so tqdm draws its bars there (they are off otherwise).

    Called inside the test: pytest re-installs its own captured stderr between fixtures and the test.
    """

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    return screen


def test_bars_follow_episodes_children_and_steps(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    terminal = pretend_terminal(monkeypatch)
    view = SearchView(episodes=2)
    view("episode_start", {"episode": 0, "trials": 2})
    progress = Progress(epoch=0, epochs=1, step=0, steps=5, loss=0.75)
    view("progress", {"label": "trial 2", "progress": progress})
    assert view.steps.bar is not None
    assert view.steps.bar.desc == "trial 2 epoch 1/1"
    view("trial_end", {"trial": finished_trial(0.75), "cached": False})
    assert view.steps.bar is None  # a finished child closes its step bar
    assert view.children is not None and view.children.n == 1 and view.children.total == 2
    view("trial_end", {"trial": finished_trial(None), "cached": True})
    assert view.children.n == 2
    drawn = terminal.getvalue()
    assert "episode 0" in drawn and "cached=False, last=75.00" in drawn and "cached=True, last=-" in drawn
    view("episode_end", episode_row(0))
    assert view.children is None and view.episodes.n == 1
    view.close()
    view.close()
    assert "  0    3  50.00" in capsys.readouterr().out


def test_the_view_takes_every_event_of_a_real_search(tmp_path: Path, toy_dataset_name: str, capsys) -> None:
    # Two episodes with a restart after the first, so a stage start is among the events.
    config = toy_config(toy_dataset_name, episodes=2, restart_every=1, networks_per_episode=2)
    seen: list[str] = []
    view = SearchView(config.episodes)

    def on_event(kind: str, payload: dict[str, Any]) -> None:
        seen.append(kind)
        view(kind, payload)  # a renamed payload key would raise KeyError here

    summary = run_search(config, tmp_path / "run", on_event=on_event)
    view.close()
    for kind in ("start_training", "start_ready", "episode_start", "trial_start", "progress", "trial_end"):
        assert kind in seen
    assert seen.index("stage_start") > seen.index("episode_end")
    assert seen[-2:] == ["episode_end", "stopped"]
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("start network conv-4-3 pool conv-8-3 gap: validation ")
    assert lines[1] == HEADER
    assert lines[2].startswith("  0    2 ")
    assert lines[3].startswith("stage 1: restarting from ")
    assert lines[4].startswith("  1    2 ")
    assert summary.best is not None
    assert lines[4].endswith(f"{100 * summary.best.validation_accuracy:6.2f}  {summary.best.arch}")
    assert "search stopped: 2 episodes done" in captured.err
