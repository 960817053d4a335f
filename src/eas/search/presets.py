"""Named search presets. `fashion-cpu` is the README's main job: a real search on Fashion-MNIST and the
final training of what it found, 15 minutes in all on two CPU cores; `smoke` is a seconds-long run for
tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eas.search.config import SearchConfig
from eas.spec import ActionSpace
from eas.train import TrainConfig

# Measured on Fashion-MNIST with 2 CPU cores (see docs/RESULTS.md):
# - the start network is trained for one epoch only: fine-tunes of a few thousand images cannot improve
#   a network whose learning rate was already annealed to zero, whatever its architecture;
# - children fine-tune on 30k images with a short warm-up and a per-step cosine, so inherited accuracy
#   survives and a grown child ends above an unchanged copy of its parent trained the same way;
# - augmentation is off for these short runs (it cost 1.5 points after a 3-epoch start);
# - the whole job has one budget: 30% of it trains the chosen network on every training image, and the
#   search is cost-aware (w = -0.1) so that it prefers networks the final training can still train for
#   about 20 epochs in that time. These two values are choices, not yet measured (bench/equal_budget.py).
_CHILD_FINE_TUNE = TrainConfig(
    epochs=1, learning_rate=0.02, batch_size=128, schedule="step", warmup_steps=20, train_subset=30000, augment=False
)

# The final recipe: the one that trained the hand-designed network to 94.01% (SGD lr 0.05, batch 128,
# per-step cosine, crop + flip), with a short warm-up and random erasing (worth +0.3-0.4 points on
# Fashion-MNIST in published results). `eas train --time-budget` and the benchmarks use it too.
FINAL_RECIPE = TrainConfig(
    epochs=30, learning_rate=0.05, schedule="step", batch_size=128, warmup_steps=200, random_erasing=0.5
)

PRESETS: dict[str, SearchConfig] = {
    "fashion-cpu": SearchConfig(
        dataset="fashion-mnist",
        start="conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64",
        start_training=TrainConfig(epochs=1, learning_rate=0.05, schedule="step", batch_size=128, augment=False),
        child_training=_CHILD_FINE_TUNE,
        final_training=FINAL_RECIPE,
        networks_per_episode=5,
        wider_actions=2,
        deeper_actions=2,
        episodes=None,
        time_budget=900.0,
        train_final=True,
        final_share=0.3,
        cost_exponent=-0.1,
        final_epochs_target=20,
        restart_every=2,
        action_space=ActionSpace.cpu(),
    ),
    "smoke": SearchConfig(
        dataset="fashion-mnist",
        start="conv-4-3 pool conv-8-3 gap",
        start_training=TrainConfig(epochs=2, learning_rate=0.05, train_subset=512, batch_size=32, augment=False),
        child_training=TrainConfig(
            epochs=1, learning_rate=0.02, train_subset=512, batch_size=32, augment=False, schedule="step"
        ),
        final_training=TrainConfig(epochs=1, train_subset=512),
        networks_per_episode=3,
        wider_actions=1,
        deeper_actions=1,
        episodes=2,
        validation_size=100,
        action_space=ActionSpace(filter_widths=(4, 8, 12, 16), unit_widths=(8, 16), max_layers_per_block=3),
        calibration_size=32,
    ),
}


def preset(name: str, **overrides: Any) -> SearchConfig:
    """The preset `name` with some fields replaced; unknown names list the known ones."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return replace(PRESETS[name], **overrides)
