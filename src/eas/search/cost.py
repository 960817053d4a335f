"""Cost-aware scoring: MnasNet's accuracy x (cost / target)^w, with FLOPs or measured training time
as the cost.

The final training of a search has a fixed time; a network twice as costly gets half the epochs. The
target is the FLOPs of a network the final training can still train for `final_epochs_target` epochs,
derived from the training speed measured on the start network. Above the target the reward shrinks
by (flops / target)^w (w < 0); at or below it nothing changes (MnasNet's one-sided "hard" form with a
soft slope), so small networks are not pushed to grow.

With no `final_epochs_target` the target is the start network's own FLOPs: every added FLOP is paid
for. That is the setting for growing a network that is still gaining from more epochs when the budget
ends (a hand-designed one trained for the whole budget is), where a costlier child trades epochs the
final training needs.

FLOPs under-price some networks on a CPU: thin 1x1 and 5x5 convolutions at full resolution move more
memory per FLOP (measured: a network with 0.96x the hand-designed network's FLOPs trained at 0.77x its
images/s). With `cost_measure` "time" the cost is what each child's fine-tune measured, in training
seconds per image, and the target is the seconds per image at which `final_epochs_target` epochs fill
the final share. Both measures scale the children's measured speed by their executor's compute share
(`eas.executors.base.compute_share`): a pool child timed on one of two cores reads about twice as slow
as the final training, on both cores, will run. A network with no fine-tune of its own (a stage's
start) is priced from its FLOPs at the fastest training FLOP/s seen.
"""

from __future__ import annotations

from eas.search.config import SearchConfig

# A training step costs about three forward passes (forward, and backward for inputs and weights).
TRAIN_FLOPS_PER_FORWARD_FLOP = 3.0


def cost_factor(cost: float | None, target: float | None, exponent: float) -> float:
    """(cost / target)^exponent above the target, 1 otherwise (also when cost is off or unknown)."""
    if exponent == 0.0 or cost is None or target is None or cost <= target:
        return 1.0
    return float((cost / target) ** exponent)


def _final_seconds(config: SearchConfig) -> float | None:
    """Seconds the final training gets: its share of the time budget (None without a budget or a final
    training)."""
    if config.time_budget is None or not config.train_final:
        return None
    return config.time_budget * config.final_share


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
    final_seconds = _final_seconds(config)
    if flops_per_second is None or final_seconds is None:
        return None
    images = config.final_epochs_target * train_images
    return flops_per_second * final_seconds / (images * TRAIN_FLOPS_PER_FORWARD_FLOP)


def target_seconds_per_image(config: SearchConfig, train_images: int) -> float | None:
    """Training seconds per image at which `final_epochs_target` epochs on `train_images` images fill
    the final share of the time budget (None when cost is off or there is no such budget or target)."""
    final_seconds = _final_seconds(config)
    if config.cost_exponent == 0.0 or config.final_epochs_target is None or final_seconds is None:
        return None
    return final_seconds / (config.final_epochs_target * train_images)


def child_training_images(config: SearchConfig, train_images: int) -> int:
    """Images one child's fine-tune trains on (epochs x its subset of the `train_images`)."""
    training = config.child_training
    return training.epochs * min(training.train_subset or train_images, train_images)


def measured_flops_per_second(flops_per_image: int, images_per_second: float) -> float:
    """Training FLOP/s seen while training a network (forward FLOPs x 3 x images/s)."""
    return flops_per_image * TRAIN_FLOPS_PER_FORWARD_FLOP * images_per_second
