"""TensorBoard log of a running search: a receiver of the search's events (`on_event(kind, payload)`) that
writes each child's figures, each episode's controller figures, the final test accuracies and the
architectures with torch's `SummaryWriter`. Needs the `tensorboard` package (`pip install 'eas[report]'`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

# Scalars of one child, step = its trial id: tag -> Trial attribute.
CHILD_SCALARS = {
    "child/validation_accuracy": "validation_accuracy",
    "child/accuracy_before_fine_tune": "accuracy_before",
    "child/parameters": "parameters",
    "child/flops": "flops",
    "child/seconds": "train_seconds",
}
# Scalars of one episode, step = the episode: tag -> key of the `episode_end` row. The controller's
# baseline and entropy are absent from the rows of strategies without a controller.
EPISODE_SCALARS = {
    "episode/mean_reward": "mean_reward",
    "episode/baseline": "baseline",
    "episode/entropy": "entropy",
    "episode/best_accuracy": "best_accuracy",
    "episode/mean_accuracy": "mean_accuracy",
    "episode/max_accuracy": "max_accuracy",
}
CHILD_ARCHITECTURE_TAG = "child/architecture"
EPISODE_ARCHITECTURE_TAG = "episode/best_architecture"
START_ACCURACY_TAG = "start/validation_accuracy"
FINAL_ACCURACY_TAG = "final/test_accuracy"
FINAL_FLIP_ACCURACY_TAG = "final/test_accuracy_flip_averaged"
FINAL_ARCHITECTURE_TAG = "final/architecture"
MISSING_PACKAGE_MESSAGE = "--tensorboard needs the tensorboard package: pip install 'eas[report]'"


def _known(value: Any) -> bool:
    """True for a number worth plotting: a missing figure (None) or an undefined one (NaN) is left out,
    so that TensorBoard's curves show gaps instead of made-up zeros."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value)


class TensorBoardLog:
    """Writes a search's events to TensorBoard event files in `log_dir`.

    The writer is opened at the first event, so a search refused before it starts (a locked run
    directory, a bad setting) leaves no empty event file behind; a resumed search adds a new event file
    beside the old ones, which TensorBoard reads as one run.
    """

    def __init__(self, log_dir: str | Path) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as error:
            # A ValueError is what the command line turns into one line on stderr (status 2).
            raise ValueError(MISSING_PACKAGE_MESSAGE) from error
        self.log_dir = Path(log_dir)
        self._writer_class = SummaryWriter
        self._writer: Any = None

    @property
    def writer(self) -> Any:
        """The `SummaryWriter`, opened on first use."""
        if self._writer is None:
            self._writer = self._writer_class(log_dir=str(self.log_dir))
        return self._writer

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        """Write what an event of the search carries; events without figures are ignored."""
        handler = getattr(self, f"on_{kind}", None)
        if handler is not None:
            handler(payload)

    def on_start_ready(self, payload: dict[str, Any]) -> None:
        """The start network's validation accuracy (step 0)."""
        self._scalar(START_ACCURACY_TAG, payload.get("validation_accuracy"), 0)

    def on_trial_end(self, payload: dict[str, Any]) -> None:
        """One child's figures and architecture, at step = its trial id."""
        trial = payload["trial"]
        if trial.trial_id is None:
            return
        for tag, attribute in CHILD_SCALARS.items():
            self._scalar(tag, getattr(trial, attribute), trial.trial_id)
        origin = f", cached from trial {trial.cached_from}" if trial.cached_from is not None else ""
        text = f"trial {trial.trial_id} (episode {trial.episode}, {trial.status}{origin}): `{trial.arch}`"
        self.writer.add_text(CHILD_ARCHITECTURE_TAG, text, trial.trial_id)

    def on_episode_end(self, row: dict[str, Any]) -> None:
        """One episode's controller figures and the best architecture so far, at step = the episode."""
        episode = row["episode"]
        for tag, key in EPISODE_SCALARS.items():
            self._scalar(tag, row.get(key), episode)
        if row.get("best_arch"):
            self.writer.add_text(EPISODE_ARCHITECTURE_TAG, f"`{row['best_arch']}`", episode)
        # Once per episode, so that a TensorBoard watching the run sees it progress.
        self.writer.flush()

    def on_final_done(self, metrics: dict[str, Any]) -> None:
        """The final network's test accuracy (and its flip-averaged one, for a training with flips) and
        architecture (step 0)."""
        self._scalar(FINAL_ACCURACY_TAG, metrics.get("test_accuracy"), 0)
        self._scalar(FINAL_FLIP_ACCURACY_TAG, metrics.get("flip_average_test_accuracy"), 0)
        self.writer.add_text(FINAL_ARCHITECTURE_TAG, f"trial {metrics.get('trial')}: `{metrics.get('arch')}`", 0)
        self.writer.flush()

    def close(self) -> None:
        """Flush and close the event file (nothing to do when no event came)."""
        if self._writer is not None:
            self._writer.flush()
            self._writer.close()
            self._writer = None

    def _scalar(self, tag: str, value: Any, step: int) -> None:
        if _known(value):
            self.writer.add_scalar(tag, float(value), step)
