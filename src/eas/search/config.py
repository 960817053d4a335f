"""`SearchConfig`: every setting of a search run, and its JSON form written next to the results.

A re-run on the same run directory must use the same settings (budgets excepted), so the stored
config is compared field by field and a mismatch is an error that names the fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from eas.controller import ControllerConfig
from eas.data import Dataset, load_dataset
from eas.spec import DEFAULT_ARCH, ActionSpace, is_dense_arch
from eas.train import TrainConfig
from eas.transforms import DEFAULT_DEEPEN_NOISE, DEFAULT_WIDEN_NOISE

STRATEGIES = ("rl", "random", "hillclimb")
COST_MEASURES = ("flops", "time")
# Fields a resumed run may change: they only say when to stop (and whether to train the result).
LIMIT_FIELDS = ("episodes", "max_networks", "time_budget", "max_consecutive_failures")
BUDGET_FIELDS = (*LIMIT_FIELDS, "train_final", "final_share")


@dataclass(frozen=True)
class SearchConfig:
    """Settings of one search. Defaults follow the paper where they are affordable.

    `restart_every` N: every N episodes the best network found so far (with its fine-tuned weights)
    becomes the start network of the next episodes, the paper's second stage repeated. With
    `stage_training` that network is first trained longer with this recipe (the paper trains the best
    network of its first stage longer before the second starts); None keeps its fine-tuned weights.

    `train_final`: after the search, the best network is trained on training + validation images with
    `final_training` and scored on the test set, all within `time_budget`, of which the final training
    gets `final_share` and the search the rest. `start_share` trains the start network for that fraction
    of `time_budget` with the final recipe (on the training split only) instead of `start_training`.

    `cost_exponent` w < 0 makes the search cost-aware (MnasNet's reward x (cost / target)^w): a child
    whose FLOPs exceed what the final training can afford for `final_epochs_target` epochs has its
    reward scaled down, and the final network is chosen by the same score. With `final_epochs_target`
    None the target is the start network's FLOPs: any growth is paid for. `cost_measure` "time" prices
    a child by the training seconds per image its fine-tune took instead of its FLOPs (networks with
    equal FLOPs can train at different speeds on a CPU); its target is the seconds per image at which
    `final_epochs_target` epochs fill the final share.

    `one_schedule` makes the start network's training (its `start_share`) and the final training one
    cosine over the whole budget: the start network stops at the rate the cosine has when its share
    ends, without annealing, and the final training continues the chosen network from the rate at
    the start of its share, so no phase restarts the schedule (children still fine-tune on their own).

    `common_child_data`: every child fine-tunes on the same training images in the same order (the run's
    seed draws them), instead of draws of its own: common random numbers, so that children of one
    parent differ by their architectures and not by which images their short fine-tune saw.

    `parent_twin`: the first episode of each stage also fine-tunes the stage's start network unchanged,
    as one more child (its "twin", no edits). The start network's own validation figure comes from a
    training stopped mid-schedule, the children's from an annealed fine-tune, so without the twin any
    child outscores it; with it, the start competes with its children on equal terms for the next stage
    and the final training (the final training keeps it when no child earns its cost), and the log says
    what growth gained over it. The twin is not the strategy's: the controller does not learn from it.

    `max_consecutive_failures`: that many trained children in a row that failed or diverged stop the
    search with `TooManyFailuresError` (a broken setting or machine, not an unlucky architecture); a
    resumed run may raise it, like the budgets.
    """

    dataset: str = "fashion-mnist"
    data_root: str | None = None
    validation_size: int | float | None = None  # None: the loader default (5000, capped on small sets)
    data_seed: int = 0
    strategy: str = "rl"
    start: str = DEFAULT_ARCH
    start_training: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=10))
    child_training: TrainConfig = field(default_factory=TrainConfig)
    final_training: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=60, learning_rate=0.05))
    networks_per_episode: int = 10
    wider_actions: int = 4
    deeper_actions: int = 5
    hillclimb_wider_actions: int = 1
    hillclimb_deeper_actions: int = 2
    episodes: int | None = 30
    max_networks: int | None = None
    time_budget: float | None = None
    action_space: ActionSpace = field(default_factory=ActionSpace)
    controller: ControllerConfig = field(default_factory=ControllerConfig)
    weight_reuse: bool = True
    widen_noise: float = DEFAULT_WIDEN_NOISE
    deepen_noise: float = DEFAULT_DEEPEN_NOISE
    calibration_size: int = 256
    keep_best: int = 3
    restart_every: int | None = None
    stage_training: TrainConfig | None = None
    train_final: bool = False
    final_share: float = 0.3
    start_share: float | None = None
    cost_exponent: float = 0.0
    final_epochs_target: int | None = 30
    cost_measure: str = "flops"
    one_schedule: bool = False
    common_child_data: bool = False
    parent_twin: bool = False
    # Children in a row that failed or diverged before the search stops as broken (None: never).
    max_consecutive_failures: int | None = 10
    seed: int = 0

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        if self.networks_per_episode < 1:
            raise ValueError(f"networks_per_episode must be >= 1, got {self.networks_per_episode}")
        for name in ("wider_actions", "deeper_actions", "hillclimb_wider_actions", "hillclimb_deeper_actions"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        for name in LIMIT_FIELDS:
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None (no limit), got {value}")
        if self.restart_every is not None and self.restart_every < 1:
            raise ValueError(f"restart_every must be a positive number of episodes or None, got {self.restart_every}")
        if not 0.0 < self.final_share < 1.0:
            raise ValueError(
                f"final_share is the final training's fraction of time_budget, in (0, 1); got {self.final_share}"
            )
        if self.start_share is not None and not 0.0 < self.start_share < 1.0:
            raise ValueError(f"start_share must be a fraction of time_budget in (0, 1) or None, got {self.start_share}")
        if self.start_share is not None and self.time_budget is None:
            raise ValueError("start_share is a fraction of time_budget: give a time budget too")
        if self.cost_exponent > 0:
            raise ValueError(
                f"cost_exponent must be <= 0 (0: cost ignored; MnasNet uses -0.07), got {self.cost_exponent}"
            )
        if self.cost_measure not in COST_MEASURES:
            raise ValueError(f"cost_measure must be one of {COST_MEASURES}, got {self.cost_measure!r}")
        if self.cost_measure == "time" and self.cost_exponent != 0.0 and self.final_epochs_target is None:
            raise ValueError(
                "cost_measure 'time' prices children against the final training's time per image, which "
                "needs final_epochs_target (e.g. --set final_epochs_target=20), or use cost_measure 'flops'"
            )
        if self.final_epochs_target is not None and self.final_epochs_target < 1:
            raise ValueError(
                f"final_epochs_target must be >= 1, or None (the start network's FLOPs are the target), "
                f"got {self.final_epochs_target}"
            )
        if is_dense_arch(self.start) and not self.action_space.has_densenet:
            raise ValueError(
                "the start network is a DenseNet but the action space has no growth ladder; search it with "
                "--space densenet (or a preset ending in -densenet)"
            )
        if self.one_schedule and (self.start_share is None or not self.train_final):
            raise ValueError(
                "one_schedule spans the start network's training and the final training: give start_share "
                "(--start-share) and train_final (--train-final) too"
            )
        if self.keep_best < 1:
            raise ValueError(f"keep_best must be >= 1, got {self.keep_best}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with nested configs as dicts."""
        data = asdict(self)
        for name in ("start_training", "child_training", "final_training", "action_space", "controller"):
            data[name] = getattr(self, name).to_dict()
        data["stage_training"] = None if self.stage_training is None else self.stage_training.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchConfig:
        """Inverse of `to_dict`; unknown fields are an error that names them."""
        known = {item.name for item in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown SearchConfig fields {sorted(unknown)}")
        values = dict(data)
        for name in ("start_training", "child_training", "final_training", "stage_training"):
            if values.get(name) is not None:
                values[name] = TrainConfig.from_dict(values[name])
        if "action_space" in values:
            values["action_space"] = ActionSpace.from_dict(values["action_space"])
        if "controller" in values:
            values["controller"] = ControllerConfig.from_dict(values["controller"])
        return cls(**values)

    def differences(self, other: SearchConfig) -> list[str]:
        """Names of the non-budget fields whose values differ."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [name for name in mine if name not in BUDGET_FIELDS and mine[name] != theirs[name]]

    @property
    def search_seconds(self) -> float | None:
        """The search phase's share of `time_budget` (all of it without `train_final`)."""
        if self.time_budget is None:
            return None
        return self.time_budget * (1.0 - self.final_share) if self.train_final else self.time_budget

    def with_overrides(self, **overrides: Any) -> SearchConfig:
        """This config with `overrides` applied, where settings that only mean something with a time
        budget and a final training (`start_share`, `one_schedule`) are dropped when the overrides take
        those away and do not name the settings themselves: `--no-time-budget` on a preset with a start
        share runs the preset's epochs instead of failing."""
        values = dict(overrides)
        time_budget = values.get("time_budget", self.time_budget)
        train_final = values.get("train_final", self.train_final)
        if time_budget is None and "start_share" not in values:
            values["start_share"] = None
        start_share = values.get("start_share", self.start_share)
        if (start_share is None or not train_final) and "one_schedule" not in values:
            values["one_schedule"] = False
        return replace(self, **values)

    def start_recipe(self) -> TrainConfig:
        """How the start network trains: `start_training`, or with `start_share` the final recipe for that
        share of the budget (the window of the cosine the share covers with `one_schedule`)."""
        if self.start_share is None or self.time_budget is None:
            return self.start_training
        recipe = replace(self.final_training, time_budget=self.start_share * self.time_budget)
        return replace(recipe, schedule_window=(0.0, self.start_share)) if self.one_schedule else recipe

    def final_recipe(self, seconds_left: float | None) -> TrainConfig:
        """How the final training runs with `seconds_left` of the budget (None: no limit)."""
        recipe = self.final_training
        if seconds_left is not None:
            recipe = replace(recipe, time_budget=max(seconds_left, 1.0))
        if self.one_schedule:
            recipe = replace(recipe, schedule_window=(1.0 - self.final_share, 1.0))
        return recipe

    def with_budgets_of(self, other: SearchConfig) -> SearchConfig:
        """This config with the budgets of `other` (used when a run is resumed)."""
        return replace(self, **{name: getattr(other, name) for name in BUDGET_FIELDS})


def load_search_data(config: SearchConfig) -> Dataset:
    """The dataset a search config names, with its validation hold-out."""
    return load_dataset(
        config.dataset, root=config.data_root, validation_size=config.validation_size, seed=config.data_seed
    )
