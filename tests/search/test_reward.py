"""The EAS reward tan(acc * pi/2), and the reward of a finished trial by its status."""

from __future__ import annotations

import itertools
import math

import pytest

from eas.evaluation import CUT, DIVERGED, FAILED, OK
from eas.search.reward import reward, trial_reward


def test_reward_is_tan_and_monotone_and_finite_at_one() -> None:
    assert reward(0.0) == 0.0
    assert reward(0.5) == pytest.approx(1.0)
    assert reward(0.9) == pytest.approx(math.tan(0.45 * math.pi))
    values = [reward(step / 100) for step in range(101)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert math.isfinite(reward(1.0)) and reward(1.0) == reward(1.5) == pytest.approx(6366.2, rel=1e-3)
    assert reward(-0.2) == 0.0
    with pytest.raises(ValueError):
        reward(float("nan"))


def test_trial_reward_by_status() -> None:
    assert trial_reward(OK, 0.5) == pytest.approx(1.0)
    assert trial_reward(DIVERGED, None) == 0.0
    assert trial_reward(FAILED, None) is None and trial_reward(CUT, None) is None
    assert trial_reward(OK, None) is None
