"""Named search presets. `fashion-cpu` is the README's main job: a real search on Fashion-MNIST and the
final training of what it found, 15 minutes in all on two CPU cores; `smoke` is a seconds-long run for
tests. Each has a DenseNet twin, `<name>-densenet` (what `eas search --space densenet` picks)."""

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


# A DenseNet-BC start for two CPU cores: three blocks of two miniblocks (growth 8), 20K parameters and
# 13 MFLOPs per 28x28 image (`eas info`), close in cost to the plain start once that has grown a little.
DENSE_CPU_START = "densenet-bc stem16 g8 g8 t16 g8 g8 t16 g8 g8"
# The paper's DenseNet start for CIFAR-10 (a GPU-sized network): DenseNet-BC with L = 40, k = 12.
DENSE_PAPER_START = "densenet-bc depth=40 growth=12 blocks=3"

PRESETS["fashion-cpu-densenet"] = replace(
    PRESETS["fashion-cpu"], start=DENSE_CPU_START, action_space=ActionSpace.densenet_cpu()
)
PRESETS["smoke-densenet"] = replace(
    PRESETS["smoke"],
    start="densenet-bc stem4 g2 t4 g2",
    action_space=ActionSpace(growth_widths=(2, 4, 6), max_layers_per_block=3),
)
SPACE_SUFFIX = {"plain": "", "densenet": "-densenet"}


def preset_for_space(name: str, space: str | None) -> str:
    """The preset name for a search space: `fashion-cpu` with `densenet` is `fashion-cpu-densenet`."""
    if space is None:
        return name
    if space not in SPACE_SUFFIX:
        raise ValueError(f"unknown search space {space!r}; choose one of {sorted(SPACE_SUFFIX)}")
    base = name.removesuffix("-densenet")
    chosen = base + SPACE_SUFFIX[space]
    if chosen not in PRESETS:
        raise ValueError(f"preset {name!r} has no {space} variant; presets: {sorted(PRESETS)}")
    return chosen


def preset(name: str, **overrides: Any) -> SearchConfig:
    """The preset `name` with some fields replaced; unknown names list the known ones."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return replace(PRESETS[name], **overrides)
