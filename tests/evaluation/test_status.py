"""Trial statuses: distinct strings; pending and cut trials have no final result yet."""

from __future__ import annotations

from eas.evaluation import CUT, DIVERGED, FAILED, FINISHED_STATUSES, OK, PENDING, STATUSES


def test_statuses_are_distinct_and_pending_and_cut_are_unfinished() -> None:
    assert len(set(STATUSES)) == len(STATUSES) == 5
    assert set(STATUSES) - set(FINISHED_STATUSES) == {PENDING, CUT}
    assert {OK, DIVERGED, FAILED} == set(FINISHED_STATUSES)
