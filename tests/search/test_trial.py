"""`Trial`: the plain record of one network, and its two derived flags."""

from __future__ import annotations

import pytest

from eas.evaluation.status import CUT, DIVERGED, FAILED, OK, PENDING, STATUSES
from eas.search.trial import START_EPISODE, Trial


def make(episode: int = 0, slot: int = 0, status: str = PENDING) -> Trial:
    return Trial(episode, slot, "conv-4-3 gap", "{}", status=status)


def test_a_new_trial_is_pending_with_nothing_measured() -> None:
    trial = make()
    assert trial.status == PENDING and not trial.finished
    assert trial.edits == () and trial.trial_id is None and trial.validation_accuracy is None


@pytest.mark.parametrize("status", [OK, DIVERGED, FAILED])
def test_statuses_with_a_final_result_are_finished(status: str) -> None:
    assert make(status=status).finished


def test_a_cut_trial_is_not_finished() -> None:
    # It was stopped by the search's deadline and is trained again when the run resumes.
    assert not make(status=CUT).finished


def test_the_statuses_are_covered() -> None:
    # A new status must decide whether it counts as finished (and get a case above).
    assert set(STATUSES) == {PENDING, OK, DIVERGED, FAILED, CUT}


def test_finished_follows_the_status_as_it_changes() -> None:
    trial = make()
    trial.status = OK
    assert trial.finished
    trial.status = PENDING
    assert not trial.finished


def test_start_networks_are_not_children() -> None:
    assert START_EPISODE == -1  # stored in SQLite; changing it breaks existing runs
    assert not make(START_EPISODE, 0).is_child  # the run's start network
    assert not make(START_EPISODE, 3).is_child  # the start network of stage 3
    assert make(0, 0).is_child
    assert make(12, 4).is_child
