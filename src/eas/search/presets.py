"""Named search presets. `fashion-cpu` is the README's main job: a real search on Fashion-MNIST and the
final training of what it found, 15 minutes in all on two CPU cores; `smoke` is a seconds-long run for
tests. Each has a DenseNet twin, `<name>-densenet` (what `eas search --space densenet` picks). The `paper-*`
presets are the paper's protocol (GPU-sized: two stages of 300 + 150 networks of 20 epochs each)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eas.controller import ControllerConfig
from eas.search.config import SearchConfig
from eas.spec import DEFAULT_ARCH, ActionSpace
from eas.train import TrainConfig

# Measured on Fashion-MNIST with 2 CPU cores (see docs/RESULTS.md):
# - the start network trains for the first 20% of the budget with the final recipe, and the final
#   training continues the chosen network in the same cosine for the last 50% (`one_schedule`): the start
#   stops without annealing (a network annealed to zero cannot be improved by short fine-tunes, whatever
#   its architecture), and the final training does not restart the schedule. `make search` went from
#   91.70% (one-epoch start, final share 0.3) to 92.27% test with this split (one run each);
# - children fine-tune on 30k images with a short warm-up and a per-step cosine, so inherited accuracy
#   survives and a grown child ends above an unchanged copy of its parent trained the same way;
# - augmentation is off for the children's short runs (it cost 1.5 points after a 3-epoch start);
# - every child fine-tunes on the same 30k images in the same order (`common_child_data`): over 16
#   children of one parent, their fine-tuned accuracy ranked them against 3 epochs on all images with
#   Spearman 0.64 (p = 0.008), against 0.37 (p = 0.16) when each drew its own images, at no extra cost
#   (bench/rank_correlation.py);
# - the search is cost-aware (w = -0.1) so that it prefers networks the final training can still train
#   for about 20 epochs in its share (a choice, not measured against w = 0 at this budget), each child
#   priced by the training seconds per image its fine-tune took (`cost_measure` "time"): over the final
#   networks of eleven runs, FLOPs at the fastest speed seen predicted their final training's images/s at
#   0.99-1.95x what it ran at (median 1.69), their own fine-tunes at 0.85-1.35x (median 1.11)
#   (bench/cost_prediction.py).
# - the search starts from the hand-designed network of the equal-budget benchmark at half its widths
#   (CPU_START below) instead of the 28K-parameter DEFAULT_ARCH: on a slow day of the 2-core machine,
#   `make search`'s job reached 92.25% test over two seeds against 91.75% from DEFAULT_ARCH, whose grown
#   networks (58-64K parameters) ended the final training at their capacity (bench/equal_budget.py
#   methods n and j at 15 minutes).
# Without a time budget (`--no-time-budget`) the start network trains `start_training`'s one epoch.
# The start network of `fashion-cpu`: the six-conv hand-designed network of docs/RESULTS.md ("Worth its
# cost") at half its widths, 77K parameters. Two wider actions move a layer two rungs up the CPU ladder,
# to the hand-designed network's width, so a child can grow into that network and past it, while the
# start share trains a network 3.1-3.7x as fast (three probes on a 2-core AMD EPYC, e.g. 1,455 against
# 464 images/s; bench/growth_frontier.py --measure-speeds).
CPU_START = "conv-16-3 conv-16-3 pool conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 gap fc-64"

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
        start=CPU_START,
        start_training=TrainConfig(epochs=1, learning_rate=0.05, schedule="step", batch_size=128, augment=False),
        child_training=_CHILD_FINE_TUNE,
        final_training=FINAL_RECIPE,
        networks_per_episode=5,
        wider_actions=2,
        deeper_actions=2,
        episodes=None,
        time_budget=900.0,
        train_final=True,
        final_share=0.5,
        start_share=0.2,
        one_schedule=True,
        cost_exponent=-0.1,
        final_epochs_target=20,
        cost_measure="time",
        restart_every=2,
        common_child_data=True,
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

# ----- The paper's protocol (EAS.md "Training", "Two stages"), for a GPU: `eas search --preset paper-cifar10
# --dataset cifar10 --device cuda`. Everything the paper states is set here; the choices it leaves open are
# commented where they are made.
# Each child: 20 epochs from its inherited weights, SGD Nesterov 0.9, lr 0.02 with per-epoch cosine, batch 64,
# weight decay 1e-4 (TrainConfig's defaults are this recipe; spelled out so that a later change of the
# defaults cannot silently change the paper's presets). Crop + flip is what the CIFAR-10 loader applies
# ("C10+"); SVHN gets none whatever `augment` says.
_PAPER_CHILD = TrainConfig(
    epochs=20, learning_rate=0.02, momentum=0.9, weight_decay=1e-4, batch_size=64, schedule="epoch", augment=True
)
# The best network's final training on the full training set: 300 epochs at lr 0.1, cosine (CIFAR).
_PAPER_FINAL_CIFAR = replace(_PAPER_CHILD, epochs=300, learning_rate=0.1)
# Not in the paper: how the start network was trained. The official code trains its networks with the
# recipe of its final training (run_simple_convnet.py: 300 epochs, lr 0.1 cosine, batch 64, Nesterov), so
# the start network here is trained to convergence the same way before the search grows it.
_PAPER_START_CIFAR = _PAPER_FINAL_CIFAR
# Not in the paper: how much longer the first stage's best network trains before the second stage. Three
# child budgets (60 epochs) with the child recipe on every training image (the validation images stay
# out, or the rewards of the second stage would be inflated): long enough to settle the grown network at
# the children's learning rate, and 1% of the first stage's 6,000 child epochs.
_PAPER_STAGE = replace(_PAPER_CHILD, epochs=60)
# Not in the paper's text: its exact start network. The official code's start has this shape (our reading
# of run_simple_convnet.py: four conv blocks of one 3x3 conv and one FC block, five blocks in all, the
# number its controller's block choice assumes), but in scaled-down width ladders. Here the widths start at
# the bottom rungs of the paper's ladders (16 filters, 64 units) and double per block as usual: a small
# network that the 9 actions of each child and the 20-layer limit can grow into the paper's depth-20 result.
PAPER_PLAIN_START = "conv-16-3 pool conv-32-3 pool conv-64-3 pool conv-128-3 gap fc-64"

PRESETS["paper-cifar10"] = SearchConfig(
    dataset="cifar10",
    # The loader's default holds out 5,000 training images on CIFAR-10 and SVHN, as the paper does (and a
    # tenth of a small set, so that the preset also runs on a toy `npz:` set).
    validation_size=None,
    start=PAPER_PLAIN_START,
    start_training=_PAPER_START_CIFAR,
    child_training=_PAPER_CHILD,
    final_training=_PAPER_FINAL_CIFAR,
    networks_per_episode=10,
    wider_actions=4,
    deeper_actions=5,
    # Two stages: 30 episodes of 10 networks from the start network, then the best of them, trained
    # `stage_training` longer, starts 15 more episodes (150 networks); the next restart (episode 60) is
    # never reached. Both limits are set so that cached repeats cannot stretch the search past 45 episodes.
    episodes=45,
    max_networks=450,
    time_budget=None,
    restart_every=30,
    stage_training=_PAPER_STAGE,
    action_space=ActionSpace.paper(),
    # The official code calibrates an inserted layer's BatchNorm on one batch of 64 training images.
    calibration_size=64,
    train_final=True,
    cost_exponent=0.0,
)
# SVHN (paper): the same search; no augmentation and a 40-epoch final training. The start network and the
# stage recipe follow the same reasoning as CIFAR-10's, the start trained with SVHN's own final recipe
# (the official code's run_config_svhn: 40 epochs, lr 0.1 cosine).
_PAPER_FINAL_SVHN = replace(_PAPER_FINAL_CIFAR, epochs=40, augment=False)
PRESETS["paper-svhn"] = replace(
    PRESETS["paper-cifar10"],
    dataset="svhn",
    start_training=_PAPER_FINAL_SVHN,
    child_training=replace(_PAPER_CHILD, augment=False),
    final_training=_PAPER_FINAL_SVHN,
    stage_training=replace(_PAPER_STAGE, augment=False),
)
# DenseNet space on CIFAR-10+ (paper): the same protocol from a DenseNet-BC. Not in the paper's text: its
# start network; DENSE_PAPER_START (L = 40, k = 12, the smallest DenseNet-BC of the DenseNet paper) is the
# project's choice, with PAPER_GROWTHS as the growth ladder. Up to 32 miniblocks per block need a
# controller that can point at 32 positions.
PRESETS["paper-cifar10-densenet"] = replace(
    PRESETS["paper-cifar10"],
    start=DENSE_PAPER_START,
    action_space=ActionSpace.densenet_paper(),
    controller=ControllerConfig(max_positions=ActionSpace.densenet_paper().max_layers_per_block),
)

# ----- Does the controller learn? (`bench/rl_vs_random.py`, the paper's RQ2 on two CPU cores.) The README
# job gives the controller a handful of updates; this search gives it 20 in about ten minutes. Children
# are all grown from one start network (the paper's first stage: no restarts), so an episode's mean child
# accuracy measures the policy itself. The fashion-cpu start network, trained 2 epochs on 5,000 images;
# each child fine-tunes one epoch on 2,000 images (about 2.5 s) and is scored on 2,000 held-out images;
# 10 networks per episode as in the paper, with fashion-cpu's 2 wider + 2 deeper actions and ladders (the
# paper's 4 + 5 make each child several times the start's cost); episodes, not time, bound it, so rl and
# random see the same number of networks. `common_child_data`: measured on the first try, children that
# each drew their own 2,000 images scored 79.9% +- 1.05 (112 children) and no action or size predicted
# the score; on common images the spread fell to 0.62 (40 children) and the score fell with the child's
# parameters (Spearman -0.52, p < 0.001): a signal the controller can learn from.
PRESETS["controller-cpu"] = SearchConfig(
    dataset="fashion-mnist",
    start=DEFAULT_ARCH,
    start_training=TrainConfig(
        epochs=2, learning_rate=0.05, schedule="step", batch_size=128, train_subset=5000, augment=False
    ),
    child_training=TrainConfig(
        epochs=1, learning_rate=0.02, batch_size=64, schedule="step", warmup_steps=10, train_subset=2000, augment=False
    ),
    validation_size=2000,
    networks_per_episode=10,
    wider_actions=2,
    deeper_actions=2,
    episodes=20,
    common_child_data=True,
    action_space=ActionSpace.cpu(),
)

# One line each for `eas presets`.
DESCRIPTIONS: dict[str, str] = {
    "fashion-cpu": "the README's job: search Fashion-MNIST and train what it found, 15 min on 2 CPU cores",
    "smoke": "a seconds-long search on 512 images, for tests",
    "fashion-cpu-densenet": "fashion-cpu in the DenseNet-BC space",
    "smoke-densenet": "smoke in the DenseNet-BC space",
    "paper-cifar10": "the paper's CIFAR-10+ protocol: 300 + 150 networks of 20 epochs, final 300 epochs (GPU days)",
    "paper-svhn": "the paper's SVHN protocol: as paper-cifar10 without augmentation, final 40 epochs",
    "paper-cifar10-densenet": "the paper's DenseNet-BC search on CIFAR-10+, from DenseNet-BC L=40 k=12",
    "controller-cpu": "200 short children from one start: enough controller updates to see whether it learns",
}
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
