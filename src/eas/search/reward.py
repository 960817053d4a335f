"""The EAS reward of a child: tan(accuracy * pi / 2), which pays the last points of accuracy most.

It belongs to the search, not to the RL controller: every strategy's trials carry a reward, so the
baselines are scored on the same scale.
"""

from __future__ import annotations

import math

from eas.evaluation.status import DIVERGED, OK

# tan(acc * pi/2) is infinite at acc = 1.0; capping accuracy at 1 - 1e-4 keeps the reward finite
# (about 6366) while staying monotone, so a perfect child cannot blow up the update.
MAX_REWARD_ACCURACY = 1.0 - 1e-4


def reward(accuracy: float) -> float:
    """EAS reward tan(acc * pi/2), with accuracy clipped to [0, 1 - 1e-4] (so it is finite and >= 0)."""
    if math.isnan(accuracy):
        raise ValueError("reward: accuracy is NaN")
    clipped = min(max(float(accuracy), 0.0), MAX_REWARD_ACCURACY)
    return math.tan(clipped * math.pi / 2)


def trial_reward(status: str, validation_accuracy: float | None) -> float | None:
    """The reward of a finished trial: a diverged child scores as accuracy 0; a failed or cut one
    has none (it teaches nothing about its architecture)."""
    if status == OK and validation_accuracy is not None:
        return reward(validation_accuracy)
    if status == DIVERGED:
        return reward(0.0)
    return None
