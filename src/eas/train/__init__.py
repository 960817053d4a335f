"""Training engine: plain functions to train and evaluate one network."""

from eas.train.config import TrainConfig, TrainResult
from eas.train.final import FinalResult, train_and_test
from eas.train.fit import Progress, ProgressCallback, fit, full_training_data, learning_rate_at, make_optimizer
from eas.train.loop import EpochStats, EvalStats, evaluate, evaluate_with_flips, train_one_epoch

__all__ = [
    "EpochStats",
    "EvalStats",
    "FinalResult",
    "Progress",
    "ProgressCallback",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "evaluate_with_flips",
    "fit",
    "full_training_data",
    "learning_rate_at",
    "make_optimizer",
    "train_and_test",
    "train_one_epoch",
]
