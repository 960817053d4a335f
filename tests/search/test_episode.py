"""The episode runner: cut children are evaluated again on resume, the cache is keyed by parent,
rewards are scaled by cost above the target, and the best children's weights are kept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from eas.build import build_model
from eas.data import Dataset, load_dataset
from eas.evaluation import CUT, OK, ChildResult, ChildTask
from eas.executors import LocalExecutor
from eas.search import Budget, Network, TrialStore
from eas.search.cost import TRAIN_FLOPS_PER_FORWARD_FLOP, child_training_images
from eas.search.episode import EpisodeRunner
from eas.search.reward import reward
from eas.search.rundir import RunDirectory
from eas.search.strategies import Proposal
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Edit, NetSpec
from tests.search.conftest import toy_config


class CuttingExecutor:
    """Reports every task as cut, as an executor does when the search's deadline passes mid-child."""

    def run(
        self,
        tasks: Sequence[ChildTask],
        data: Dataset,
        *,
        on_result: Callable[[ChildResult], None],
        should_stop: Callable[[], bool],
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        for task in tasks:
            on_result(ChildResult(task.trial_id, CUT, task.parent_spec, message="deadline reached"))


def runner_for(tmp_path: Path, dataset: str, executor: Any, **overrides: Any) -> tuple[EpisodeRunner, Network]:
    config = toy_config(dataset, **overrides)
    data = load_dataset(dataset, validation_size=100)
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap", data.info.input_shape, data.info.num_classes)
    start = Network(spec, build_model(spec, seed=0).state_dict(), None, 0.5)
    store = TrialStore(tmp_path / "trials.sqlite")
    runner = EpisodeRunner(
        config, RunDirectory(tmp_path), store, data, executor, lambda k, p: None, Budget(config, store)
    )
    return runner, start


def test_cut_children_are_not_finished_and_are_trained_on_the_next_run(tmp_path: Path, toy_dataset_name: str) -> None:
    runner, start = runner_for(tmp_path, toy_dataset_name, CuttingExecutor())
    proposals = [Proposal(start, (Edit.widen(0, 8),)), Proposal(start, (Edit.deepen(0, 3),))]
    trials = runner.run(0, proposals)
    assert [trial.status for trial in trials] == [CUT, CUT] and not any(trial.finished for trial in trials)
    assert runner.store.count_trained() == 0 and all(trial.reward is None for trial in trials)
    runner.executor = LocalExecutor()
    trials = runner.run(0, proposals)
    assert [trial.status for trial in trials] == [OK, OK]
    assert runner.store.count_trained() == 2


def test_the_cache_is_keyed_by_architecture_and_parent(tmp_path: Path, toy_dataset_name: str) -> None:
    runner, start = runner_for(tmp_path, toy_dataset_name, LocalExecutor())
    other_parent = Network(start.spec, start.state, 41, 0.5)
    runner.run(0, [Proposal(start, (Edit.widen(0, 8),))])
    trials = runner.run(1, [Proposal(start, (Edit.widen(0, 8),)), Proposal(other_parent, (Edit.widen(0, 8),))])
    assert trials[0].cached_from is not None, "same architecture from the same parent: answered from the cache"
    assert trials[1].cached_from is None, "another parent's weights: trained again"


def test_rewards_are_scaled_down_above_the_cost_target(tmp_path: Path, toy_dataset_name: str) -> None:
    runner, _ = runner_for(tmp_path, toy_dataset_name, LocalExecutor(), cost_exponent=-0.5)
    trial = Trial(0, 0, "x", "{}", status=OK, validation_accuracy=0.5, flops=400)
    assert runner.reward_of(trial) == reward(0.5)  # no target: cost ignored
    runner.cost_target = 100.0
    assert runner.reward_of(trial) == reward(0.5) * (4.0**-0.5)
    assert runner.score(trial) == runner.reward_of(trial)


def test_with_the_time_measure_a_child_is_priced_by_its_measured_training_seconds(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    """Two children of equal FLOPs: the one whose fine-tune took twice as long per image costs twice as
    much. A cached repeat costs what its original measured; a stage's start (no fine-tune of its own)
    is priced from its FLOPs at the fastest training speed seen."""
    runner, start = runner_for(
        tmp_path, toy_dataset_name, LocalExecutor(), cost_exponent=-0.5, cost_measure="time", final_epochs_target=1
    )
    images = child_training_images(runner.config, len(runner.data.train))
    runner.cost_target = 1e-3  # seconds per image
    fast = Trial(0, 0, "a", "{}", status=OK, validation_accuracy=0.5, flops=400, train_seconds=images * 1e-3)
    slow = Trial(0, 1, "b", "{}", status=OK, validation_accuracy=0.5, flops=400, train_seconds=images * 4e-3)
    assert runner.cost_of(slow) == pytest.approx(4e-3) and runner.cost_of(fast) == pytest.approx(1e-3)
    assert runner.reward_of(fast) == reward(0.5)  # at the target: unchanged
    assert runner.reward_of(slow) == pytest.approx(reward(0.5) * 4.0**-0.5)

    runner.run(0, [Proposal(start, (Edit.widen(0, 8),))])
    original = runner.store.trials(0)[0]
    repeat = runner.run(1, [Proposal(start, (Edit.widen(0, 8),))])[0]
    assert repeat.cached_from == original.trial_id and repeat.train_seconds == 0.0
    assert original.train_seconds and runner.cost_of(repeat) == pytest.approx(original.train_seconds / images)

    stage_start = Trial(START_EPISODE, 0, "c", "{}", status=OK, validation_accuracy=0.5, flops=1000, train_seconds=99.0)
    fastest = float(runner.store.get_meta("train_flops_per_second"))
    assert runner.cost_of(stage_start) == pytest.approx(1000 * TRAIN_FLOPS_PER_FORWARD_FLOP / fastest)


class HalfShareExecutor(LocalExecutor):
    """A local executor whose children are said to train with half of the process's compute (as a pool
    child on one of two cores does)."""

    compute_share = 0.5


def test_children_on_a_share_of_the_machine_are_priced_at_the_final_trainings_speed(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    """The same child's cost read through an executor that gives it half the machine: half the seconds
    per image, and twice the training FLOP/s noted for the cost target."""
    costs, speeds = [], []
    for name, executor in (("whole", LocalExecutor()), ("half", HalfShareExecutor())):
        runner, _ = runner_for(
            tmp_path / name, toy_dataset_name, executor, cost_exponent=-0.5, cost_measure="time", final_epochs_target=1
        )
        trial = Trial(0, 0, "a", "{}", status=OK, validation_accuracy=0.5, flops=400, train_seconds=2.0)
        costs.append(runner.cost_of(trial))
        runner.note_speed(trial)
        speeds.append(float(runner.store.get_meta("train_flops_per_second")))
    assert costs[1] == pytest.approx(costs[0] / 2)
    assert speeds[1] == pytest.approx(speeds[0] * 2)


def test_a_child_keeps_the_share_it_trained_with_when_the_run_resumes_with_another_executor(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    """Children trained on half the machine, read again by a runner whose executor has all of it: each is
    still priced at the share it trained with, not the new executor's."""
    runner, start = runner_for(
        tmp_path, toy_dataset_name, HalfShareExecutor(), cost_exponent=-0.5, cost_measure="time", final_epochs_target=1
    )
    trained = runner.run(0, [Proposal(start, (Edit.widen(0, 8),))])[0]
    assert trained.status == OK and trained.compute_share == 0.5
    stored = runner.store.get(0, 0)
    assert stored.compute_share == 0.5
    images = child_training_images(runner.config, len(runner.data.train))
    assert stored.train_seconds
    runner.executor = LocalExecutor()
    assert runner.cost_of(stored) == pytest.approx(stored.train_seconds * 0.5 / images)
    older = replace(stored, compute_share=None)  # stored before trials kept their share: the executor's
    assert runner.cost_of(older) == pytest.approx(stored.train_seconds / images)


def test_common_child_data_gives_every_child_the_runs_seed_for_its_images(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    captured: list = []

    class Recording(LocalExecutor):
        def run(self, tasks, data, **kwargs):  # type: ignore[no-untyped-def]
            captured.extend(tasks)
            return super().run(tasks, data, **kwargs)

    for common in (False, True):
        captured.clear()
        folder = tmp_path / str(common)
        folder.mkdir()
        runner, start = runner_for(folder, toy_dataset_name, Recording(), common_child_data=common, seed=5)
        runner.run(0, [Proposal(start, (Edit.widen(0, 8),)), Proposal(start, (Edit.deepen(0, 3),))])
        seeds = {task.train_seed for task in captured}
        assert seeds == ({5} if common else {None}), seeds
        assert len({task.seed for task in captured}) == len(captured)  # noise seeds stay per child
