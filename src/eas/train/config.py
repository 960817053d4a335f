"""`TrainConfig` (the recipe for training one network) and `TrainResult` (what came out)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEDULES = ("epoch", "step")


@dataclass(frozen=True)
class TrainConfig:
    """How to train one network. Defaults are the paper's child recipe (SGD Nesterov 0.9, lr 0.02
    with per-epoch cosine decay, batch 64, weight decay 1e-4).

    `schedule="step"` decays the cosine per batch instead of per epoch: with one-epoch fine-tunes the
    per-epoch schedule never lowers the rate, which is what erases inherited weights. `warmup_steps`
    ramps the rate up linearly from zero for the same reason.

    `channels_last` stores activations NHWC, which oneDNN convolutions run faster on CPU (measured by
    bench/throughput.py); it changes no result beyond float rounding.

    `mixed_precision` runs each training step's forward pass under bfloat16 autocast, the loss in
    float32 (bfloat16 keeps float32's exponent range, so no loss scaling is needed); evaluation stays
    float32. Meant for GPUs: on the 2-core CPU of docs/RESULTS.md a bfloat16 matrix product ran at
    about half the float32 rate.

    `random_erasing` is the probability of erasing one random rectangle of each training image (Zhong
    et al. 2020); `label_smoothing` the cross-entropy smoothing. `time_budget` (seconds) replaces
    `epochs`: `fit` measures its speed on the first steps and sets the epoch count so that the whole
    schedule, warm-up and cosine included, ends within the budget (see `eas.train.budget`).

    `schedule_window` (start, end), fractions in [0, 1]: this training runs only that part of the
    cosine, so that several trainings of one growing network (the start network, then the network it
    grew into) follow one schedule instead of each restarting and annealing its own: (0, 0.3) stops at
    the rate the cosine has at 30%, (0.3, 1) picks up from there and anneals to zero.
    """

    epochs: int = 20
    learning_rate: float = 0.02
    momentum: float = 0.9
    weight_decay: float = 1e-4
    batch_size: int = 64
    schedule: str = "epoch"
    warmup_steps: int = 0
    augment: bool = True
    train_subset: int | None = None
    seed: int = 0
    device: str = "cpu"
    eval_batch_size: int = 500
    evaluate_each_epoch: bool = False
    channels_last: bool = True
    random_erasing: float = 0.0
    label_smoothing: float = 0.0
    mixed_precision: bool = False
    time_budget: float | None = None
    schedule_window: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self) -> None:
        # JSON gives a list back; the frozen config keeps a tuple so that configs compare equal.
        window = tuple(float(value) for value in self.schedule_window)
        if len(window) != 2 or not 0.0 <= window[0] < window[1] <= 1.0:
            raise ValueError(f"schedule_window is (start, end) with 0 <= start < end <= 1, got {self.schedule_window}")
        object.__setattr__(self, "schedule_window", window)
        if self.epochs < 0:
            raise ValueError(f"epochs must be >= 0, got {self.epochs}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise ValueError("batch_size and eval_batch_size must be >= 1")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {self.warmup_steps}")
        if not 0.0 <= self.random_erasing <= 1.0:
            raise ValueError(f"random_erasing is a probability in [0, 1], got {self.random_erasing}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.time_budget is not None and not self.time_budget > 0:
            raise ValueError(f"time_budget must be a positive number of seconds or None, got {self.time_budget}")
        if self.train_subset is not None and self.train_subset < 1:
            raise ValueError(f"train_subset must be a positive number of images or None, got {self.train_subset}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the window as a list, as JSON gives it back)."""
        return {**asdict(self), "schedule_window": list(self.schedule_window)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of `to_dict`; unknown fields are an error that names them."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown TrainConfig fields {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        return cls(**data)


@dataclass
class TrainResult:
    """Outcome of `fit`. `status` is "ok", "diverged" (a non-finite loss stopped training early) or
    "cut" (the caller's deadline stopped it); `epochs_planned` is what a time budget allowed, its last
    epoch partial when the whole epochs left room for part of another (`images_seen` counts the images
    really trained; `epochs_trained` counts that epoch by the part of the images it trained)."""

    status: str = "ok"
    epochs_planned: int = 0
    epochs_completed: int = 0
    epochs_trained: float = 0.0
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    validation_accuracy: float | None = None
    validation_loss: float | None = None
    validation_history: list[float] = field(default_factory=list)
    seconds: float = 0.0
    images_seen: int = 0
    message: str = ""

    @property
    def diverged(self) -> bool:
        """True when training stopped on a NaN or infinite loss."""
        return self.status == "diverged"

    @property
    def cut(self) -> bool:
        """True when the caller's deadline stopped training before the schedule ended."""
        return self.status == "cut"

    @property
    def images_per_second(self) -> float:
        """Training throughput over the whole run."""
        return self.images_seen / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields plus the derived throughput."""
        return {**asdict(self), "images_per_second": self.images_per_second}
