"""Retry bookkeeping: a lost child runs again until its retries are spent, then it is a failed result."""

from __future__ import annotations

import pytest

from eas.evaluation import FAILED, ChildTask
from eas.executors.retry import Attempts
from eas.spec import Edit, NetSpec
from eas.train import TrainConfig


def test_retries_then_a_failed_result_naming_the_reason() -> None:
    spec = NetSpec.parse("conv-4-3 gap", (1, 8, 8), 3)
    task = ChildTask(7, spec, None, (Edit.widen(0, 8),), TrainConfig(epochs=1), seed=0)
    attempts = Attempts(retries=1)
    attempts.started(task)
    assert attempts.lost(task, "worker died", 1.0) is None
    attempts.started(task)
    failed = attempts.lost(task, "worker died", 2.0)
    assert failed is not None and failed.status == FAILED and failed.trial_id == 7
    assert failed.message == "worker died (after 2 attempts)" and failed.spec.layers[0].width == 8
    with pytest.raises(ValueError, match="retries"):
        Attempts(retries=-1)
