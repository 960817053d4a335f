"""Cost-aware scoring: MnasNet's accuracy x (cost / target)^w, with FLOPs as the cost.

The final training of a search has a fixed time; a network twice as costly gets half the epochs. The
target is the FLOPs of a network the final training can still train for `final_epochs_target` epochs,
derived from the training speed measured on the start network. Above the target the reward shrinks
by (flops / target)^w (w < 0); at or below it nothing changes (MnasNet's one-sided "hard" form with a
soft slope), so small networks are not pushed to grow.

With no `final_epochs_target` the target is the start network's own FLOPs: every added FLOP is paid
for. That is the setting for growing a network that is still gaining from more epochs when the budget
ends (a hand-designed one trained for the whole budget is), where a costlier child trades epochs the
final training needs.
"""

from __future__ import annotations

from eas.search.config import SearchConfig

# A training step costs about three forward passes (forward, and backward for inputs and weights).
TRAIN_FLOPS_PER_FORWARD_FLOP = 3.0


def cost_factor(flops: int | None, target_flops: float | None, exponent: float) -> float:
    """(flops / target)^exponent above the target, 1 otherwise (also when cost is off or unknown)."""
    if exponent == 0.0 or flops is None or target_flops is None or flops <= target_flops:
        return 1.0
    return float((flops / target_flops) ** exponent)


def target_flops(
    config: SearchConfig, flops_per_second: float | None, train_images: int, start_flops: int | None = None
) -> float | None:
    """FLOPs per image of a network that `final_epochs_target` epochs of final training on
    `train_images` images can afford in the final share of the time budget, or `start_flops` when
    `final_epochs_target` is None (None when cost is off or nothing is known to derive it from)."""
    if config.cost_exponent == 0.0:
        return None
    if config.final_epochs_target is None:
        return None if start_flops is None else float(start_flops)
    if flops_per_second is None or config.time_budget is None or not config.train_final:
        return None
    final_seconds = config.time_budget * config.final_share
    images = config.final_epochs_target * train_images
    return flops_per_second * final_seconds / (images * TRAIN_FLOPS_PER_FORWARD_FLOP)


def measured_flops_per_second(flops_per_image: int, images_per_second: float) -> float:
    """Training FLOP/s seen while training a network (forward FLOPs x 3 x images/s)."""
    return flops_per_image * TRAIN_FLOPS_PER_FORWARD_FLOP * images_per_second
