"""Trial statuses: distinct strings, and every one but pending is final."""

from __future__ import annotations

from eas.evaluation import CUT, DIVERGED, FAILED, FINISHED_STATUSES, OK, PENDING, STATUSES


def test_statuses_are_distinct_and_pending_is_the_only_unfinished_one() -> None:
    assert len(set(STATUSES)) == len(STATUSES) == 5
    assert set(STATUSES) - set(FINISHED_STATUSES) == {PENDING}
    assert {OK, DIVERGED, FAILED, CUT} <= set(FINISHED_STATUSES)
