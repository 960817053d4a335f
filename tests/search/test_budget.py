"""`Budget`: limits, the search's share of a whole-job time budget, deadlines, elapsed time kept."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from eas.search import Budget, SearchConfig
from eas.search.store import TrialStore


def budget_after(tmp_path: Path, config: SearchConfig, elapsed: float) -> Budget:
    store = TrialStore(tmp_path / "trials.sqlite")
    store.set_meta("elapsed_seconds", elapsed)
    return Budget(config, store)


def test_time_budget_alone_stops_the_search_at_the_budget(tmp_path: Path) -> None:
    config = SearchConfig(time_budget=100.0, episodes=None)
    assert budget_after(tmp_path, config, 99.0).exhausted(0) is None
    assert budget_after(tmp_path, config, 100.0).exhausted(0) == "time budget of 100 s reached"


def test_with_train_final_the_search_gets_its_share(tmp_path: Path) -> None:
    config = SearchConfig(time_budget=100.0, episodes=None, train_final=True, final_share=0.25)
    assert config.search_seconds == pytest.approx(75.0)
    assert budget_after(tmp_path, config, 74.0).exhausted(None) is None
    reason = budget_after(tmp_path, config, 75.5).exhausted(None)
    assert reason is not None and "75 s of the 100 s" in reason
    budget = budget_after(tmp_path, config, 60.0)
    assert budget.seconds_left() == pytest.approx(40.0, abs=0.5)
    deadline = budget.search_deadline()
    assert deadline is not None and deadline == pytest.approx(time.time() + 15.0, abs=0.5)


def test_no_time_budget_means_no_deadline_and_elapsed_accumulates(tmp_path: Path) -> None:
    budget = budget_after(tmp_path, SearchConfig(episodes=2), 12.0)
    assert budget.search_deadline() is None and budget.seconds_left() is None
    assert budget.exhausted(2) == "2 episodes done" and budget.exhausted(None) is None
    budget.save()
    assert budget.store.get_meta("elapsed_seconds") >= 12.0
    assert Budget(SearchConfig(), budget.store).elapsed() >= 12.0  # a resumed run starts from there
