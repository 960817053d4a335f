"""`Trial`: one sampled network as plain data: where it came from, how it was edited, how it scored.

The SQLite code that stores trials lives in `store.py`; the statuses come from `eas.evaluation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eas.evaluation.status import FINISHED_STATUSES, PENDING
from eas.spec import Edit

# Episode number of the networks that are not children: the start network (slot 0) and the start
# networks of later stages (slot = stage number), which the search trained itself.
START_EPISODE = -1


@dataclass
class Trial:
    """One row of the trial store."""

    episode: int
    slot: int
    arch: str
    spec_json: str
    edits: tuple[Edit, ...] = ()
    status: str = PENDING
    parent_arch: str | None = None
    parent_trial: int | None = None
    decisions: Any = None
    cached_from: int | None = None
    accuracy_before: float | None = None
    validation_accuracy: float | None = None
    reward: float | None = None
    parameters: int | None = None
    flops: int | None = None
    train_seconds: float | None = None
    # The share of the machine the child trained with (its executor's `compute_share`), so that its
    # seconds are read as the final training's even when a resumed run uses another executor.
    compute_share: float | None = None
    seed: int | None = None
    message: str | None = None
    trial_id: int | None = None

    @property
    def finished(self) -> bool:
        """True once the trial has a final result (a cut trial has none: a resumed run trains it)."""
        return self.status in FINISHED_STATUSES

    @property
    def is_child(self) -> bool:
        """True for networks proposed by a strategy (not the start network of a stage)."""
        return self.episode != START_EPISODE
