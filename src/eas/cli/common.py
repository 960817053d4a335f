"""Arguments and helpers shared by several sub-commands (architecture, dataset, training recipe)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eas.spec import DEFAULT_ARCH

__all__ = [
    "DEFAULT_ARCH",
    "EpochBar",
    "add_dataset_arguments",
    "add_training_arguments",
    "check_at_least_one",
    "check_output_folder",
    "epochs_text",
    "final_accuracy_lines",
    "load_data",
    "parse_shape",
    "refuse_existing_checkpoint",
]


def epochs_text(result: dict[str, Any]) -> str:
    """'13 epochs', or '12.35 epochs' when a time budget's last epoch was partial, from a
    TrainResult's dict (metrics written before `epochs_trained` existed give the whole count)."""
    trained = result.get("epochs_trained") or result["epochs_completed"]
    whole = abs(trained - round(trained)) < 5e-3
    return f"{round(trained)} epochs" if whole else f"{trained:.2f} epochs"


def final_accuracy_lines(metrics: dict[str, Any]) -> list[str]:
    """The printed test figures of a final training: the plain accuracy, and the flip-averaged one
    when the metrics have it (datasets whose training flips images)."""
    lines = [f"test accuracy: {100 * (metrics.get('test_accuracy') or 0.0):.2f}%"]
    flipped = metrics.get("flip_average_test_accuracy")
    if isinstance(flipped, float):
        lines.append(f"flip-averaged test accuracy: {100 * flipped:.2f}% (each image and its mirror image)")
    return lines


def parse_shape(text: str) -> tuple[int, int, int]:
    """'1,28,28' -> (1, 28, 28)."""
    parts = text.replace("x", ",").split(",")
    if len(parts) != 3 or not all(part.strip().isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected C,H,W such as 1,28,28, got {text!r}")
    channels, height, width = (int(part) for part in parts)
    return channels, height, width


def add_dataset_arguments(parser: argparse.ArgumentParser, default: str | None = "fashion-mnist") -> None:
    """--dataset, --data-root, --validation-size, --data-seed."""
    parser.add_argument(
        "--dataset", default=default, help="fashion-mnist, cifar10, svhn, svhn+extra or npz:PATH (default %(default)s)"
    )
    parser.add_argument("--data-root", default=None, help="folder or archive holding the dataset files")
    parser.add_argument(
        "--validation-size",
        type=int,
        default=None,
        help="training images held out (default 5000, capped on small sets)",
    )
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the validation hold-out")


DEFAULT_EPOCHS = 10


def add_training_arguments(parser: argparse.ArgumentParser, epochs: int | None = DEFAULT_EPOCHS) -> None:
    """The training recipe: epochs, learning rate, batch size, schedule, augmentation, subset, seed, device.

    The defaults are TrainConfig's own, except the epoch count: `eas train` defaults to a run of a few
    minutes, not to the paper's 20-epoch child recipe.
    """
    from eas.train.config import SCHEDULES, TrainConfig  # torch is imported when the parser is built, not before

    recipe = TrainConfig()
    parser.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (default {DEFAULT_EPOCHS})")
    parser.add_argument(
        "--lr", type=float, default=recipe.learning_rate, help="peak learning rate (default %(default)s)"
    )
    parser.add_argument("--batch-size", type=int, default=recipe.batch_size)
    parser.add_argument("--weight-decay", type=float, default=recipe.weight_decay)
    parser.add_argument(
        "--schedule", choices=SCHEDULES, default=recipe.schedule, help="cosine decay per epoch or per step"
    )
    parser.add_argument("--warmup-steps", type=int, default=recipe.warmup_steps)
    parser.add_argument("--no-augment", action="store_true", help="turn off crop/flip augmentation")
    parser.add_argument(
        "--random-erasing", type=float, default=recipe.random_erasing, help="probability of erasing a random patch"
    )
    parser.add_argument("--label-smoothing", type=float, default=recipe.label_smoothing)
    parser.add_argument("--train-subset", type=int, default=None, help="train on this many random images per run")
    parser.add_argument("--seed", type=int, default=recipe.seed)
    parser.add_argument("--device", default=recipe.device, help="cpu, cuda, cuda:1, mps ...")
    parser.add_argument(
        "--mixed-precision", action="store_true", help="forward passes in bfloat16 autocast (for GPUs; slower on CPUs)"
    )


def training_config(args: argparse.Namespace) -> Any:
    """A TrainConfig from the training arguments."""
    from eas.train import TrainConfig

    # TrainConfig accepts 0 epochs (a library caller may only want an evaluation); on the command line
    # it is a slip that would write an untrained checkpoint after loading the data.
    check_at_least_one(args.epochs, "--epochs")
    return TrainConfig(
        epochs=DEFAULT_EPOCHS if args.epochs is None else args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        weight_decay=args.weight_decay,
        schedule=args.schedule,
        warmup_steps=args.warmup_steps,
        augment=not args.no_augment,
        random_erasing=args.random_erasing,
        label_smoothing=args.label_smoothing,
        train_subset=args.train_subset,
        seed=args.seed,
        device=args.device,
        mixed_precision=args.mixed_precision,
    )


def check_at_least_one(value: int | None, option: str) -> None:
    """Raise a `ValueError` naming `option` when it was given and is below 1."""
    if value is not None and value < 1:
        raise ValueError(f"{option} must be at least 1, got {value}")


# Room a checkpoint folder needs beyond its weights (spec.json, metrics.json and the atomic writes' copies).
_CHECKPOINT_MARGIN_BYTES = 1 << 20


def check_output_folder(folder: Path, parameters: int, option: str = "--out") -> None:
    """Refuse, before any training, an output folder that cannot take a checkpoint of `parameters` float32
    weights: one that cannot be written, or whose disk lacks the room. A `ValueError` names the folder,
    the problem and the fix, so minutes of training are not lost at the save.

    The probe writes into the nearest folder that exists (the folder itself, or the parent its save
    would create it under), so the check creates nothing and leaves nothing behind."""
    from eas.search.write_errors import write_problem

    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".eas-write-check-"):
            pass
    except OSError as error:
        reason = write_problem(error, existing) or error.strerror or str(error)
        raise ValueError(f"{option} {folder} cannot be written ({reason}); give a folder you can write to") from error
    needed = 4 * parameters + _CHECKPOINT_MARGIN_BYTES
    free = shutil.disk_usage(existing).free
    if free < needed:
        raise ValueError(
            f"{option} {folder}: its disk has {free / 2**20:.1f} MiB free and the checkpoint needs about "
            f"{needed / 2**20:.1f} MiB; free some space or give a folder on another disk"
        )


def refuse_existing_checkpoint(folder: Path, overwrite: bool, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that already holds a checkpoint, unless `overwrite`: a
    trained network (minutes or hours of training) is not replaced by a mistyped folder name. The
    `FileExistsError` says what the folder holds and the two ways on."""
    from eas.checkpoint import has_checkpoint, load_metrics

    if overwrite or not has_checkpoint(folder):
        return
    try:
        metrics = load_metrics(folder)
    except (OSError, ValueError):  # what it holds is only for the message; a damaged file must not hide it
        metrics = {}
    described = [metrics["arch"]] if isinstance(metrics.get("arch"), str) else []
    if isinstance(metrics.get("test_accuracy"), float):
        described.append(f"{100 * metrics['test_accuracy']:.2f}% test")
    held = f" ({', '.join(described)})" if described else ""
    raise FileExistsError(
        f"{option} {folder} already holds a checkpoint{held}; give another folder, or pass --overwrite to replace it"
    )


def load_data(args: argparse.Namespace) -> Any:
    """Load the dataset named by the dataset arguments (prints where it came from)."""
    from eas.data import load_dataset

    data = load_dataset(args.dataset, root=args.data_root, validation_size=args.validation_size, seed=args.data_seed)
    print(
        f"dataset {data.info.name}: {len(data.train)} train / {len(data.validation)} validation / "
        f"{len(data.test)} test images of shape {data.info.input_shape}, {data.info.num_classes} classes",
        file=sys.stderr,
    )
    return data


class EpochBar:
    """A tqdm bar over the steps of each epoch, for `fit(progress=...)`."""

    def __init__(self, label: str = "", position: int | None = None) -> None:
        self.label = label
        self.position = position
        self.bar: tqdm | None = None
        self.epoch = -1

    def __call__(self, progress: Any, label: str | None = None) -> None:
        """Advance by one step; a new epoch (or a new `label`, e.g. the next trial) starts a new bar."""
        if self.bar is None or progress.epoch != self.epoch or (label is not None and label != self.label):
            self.close()
            self.epoch = progress.epoch
            self.label = self.label if label is None else label
            description = f"{self.label}epoch {progress.epoch + 1}/{progress.epochs}"
            self.bar = tqdm(
                total=progress.steps,
                desc=description,
                position=self.position,
                leave=False,
                file=sys.stderr,
                unit="batch",
                disable=None,
            )
        assert self.bar is not None
        self.bar.update(1)
        if progress.step % 20 == 0:
            self.bar.set_postfix(loss=f"{progress.loss:.3f}")

    def close(self) -> None:
        """Close the current bar, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
