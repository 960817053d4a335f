"""Training a network to the end: fit it (on training + validation images when asked), then score it
on the test split. `eas train` and a search's final phase both finish a network this way."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from torch import nn

from eas.data import Dataset
from eas.train.config import TrainConfig, TrainResult
from eas.train.fit import ProgressCallback, fit, full_training_data
from eas.train.loop import evaluate


@dataclass
class FinalResult:
    """The training result, the test accuracy (None when training diverged) and the wall time."""

    result: TrainResult
    test_accuracy: float | None
    wall_seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {"result": self.result.to_dict(), "test_accuracy": self.test_accuracy, "wall_seconds": self.wall_seconds}


def train_and_test(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    *,
    full_train: bool,
    progress: ProgressCallback | None = None,
) -> FinalResult:
    """Train `model` in place with `config`, then score it on `data.test`.

    With `full_train` the validation images are trained on too (the validation figure then says
    little). A `time_budget` in `config` covers the training and both evaluations.
    """
    started = time.perf_counter()
    training_data = full_training_data(data) if full_train else data
    result = fit(
        model, training_data, config, progress=progress, validation=data.validation, reserve_images=len(data.test)
    )
    test_accuracy = None
    if result.status == "ok":
        test_accuracy = evaluate(
            model, data.test, data.info, batch_size=config.eval_batch_size, device=config.device
        ).accuracy
    return FinalResult(result, test_accuracy, time.perf_counter() - started)
