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
from eas.train.loop import evaluate, evaluate_with_flips


@dataclass
class FinalResult:
    """The training result, the test accuracy (None when training diverged) and the wall time.

    `flip_average_test_accuracy` scores each test image by the mean of the network's probabilities for
    it and its mirror image (see `evaluate_with_flips`); None when training diverged or did not flip images (a
    dataset never flipped, or no augmentation). `test_accuracy` is the plain figure, the one every comparison uses.
    """

    result: TrainResult
    test_accuracy: float | None
    wall_seconds: float
    flip_average_test_accuracy: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "result": self.result.to_dict(),
            "test_accuracy": self.test_accuracy,
            "flip_average_test_accuracy": self.flip_average_test_accuracy,
            "wall_seconds": self.wall_seconds,
        }


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
    little). When the training flips images (the dataset allows it and `config.augment`), the test
    split is also scored with flip averaging (one more pass, over the mirror images). A `time_budget` in `config`
    covers the training and every evaluation.
    """
    started = time.perf_counter()
    training_data = full_training_data(data) if full_train else data
    # A network that never saw a mirrored image is not scored on mirrored images.
    trained_with_flips = data.info.flip and config.augment
    # Each test image, and its mirror image when the training flipped images.
    test_passes = 2 if trained_with_flips else 1
    result = fit(
        model,
        training_data,
        config,
        progress=progress,
        validation=data.validation,
        reserve_images=test_passes * len(data.test),
    )
    test_accuracy = flip_average = None
    if result.status == "ok":
        batch, device = config.eval_batch_size, config.device
        if trained_with_flips:
            plain, flipped = evaluate_with_flips(model, data.test, data.info, batch_size=batch, device=device)
            test_accuracy, flip_average = plain.accuracy, flipped.accuracy
        else:
            test_accuracy = evaluate(model, data.test, data.info, batch_size=batch, device=device).accuracy
    return FinalResult(result, test_accuracy, time.perf_counter() - started, flip_average)
