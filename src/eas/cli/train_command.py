"""`eas train`: train one architecture (or a search's best network) and write a checkpoint folder."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from eas.cli.common import (
    DEFAULT_ARCH,
    EpochBar,
    add_dataset_arguments,
    add_training_arguments,
    check_output_folder,
    epochs_text,
    final_accuracy_lines,
    load_data,
    refuse_existing_checkpoint,
    training_config,
)


def add_parser(subparsers: Any) -> None:
    """Register `eas train`."""
    parser = subparsers.add_parser("train", help="train one network and save a checkpoint")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--arch", default=None, help=f"token string (default: {DEFAULT_ARCH})")
    source.add_argument(
        "--from-run",
        default=None,
        help=(
            "final training of a search run's network (the one its final training chose, else its most accurate) "
            "with the run's final recipe (--epochs may shorten it)"
        ),
    )
    parser.add_argument(
        "--out",
        default=None,
        help="checkpoint folder to write (default with --from-run: RUN/final, if it holds none yet)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a checkpoint that --out already holds (else refused)"
    )
    parser.add_argument("--full-train", action="store_true", help="train on training + validation images")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="wall-clock seconds for the whole command: the epoch count is set from the measured speed "
        "so that the schedule ends in time (replaces --epochs)",
    )
    parser.add_argument("--from-scratch", action="store_true", help="with --from-run: ignore the inherited weights")
    add_dataset_arguments(parser)
    add_training_arguments(parser, epochs=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train, evaluate on validation and test, save, print the accuracies."""
    args.started = time.perf_counter()
    from eas.build import build_model
    from eas.checkpoint import DATASET_INFO_KEY
    from eas.spec import parse_spec

    if args.from_run is not None:
        return _train_from_run(args)
    if args.out is None:
        raise ValueError("--out is required: the folder to write the checkpoint to")
    refuse_existing_checkpoint(Path(args.out), args.overwrite)
    # The recipe is checked before the data is loaded, so a bad --epochs fails at once.
    config = training_config(args)
    data = load_data(args)
    spec = parse_spec(args.arch or DEFAULT_ARCH, data.info.input_shape, data.info.num_classes)
    model = build_model(spec, seed=config.seed)
    origin: dict[str, Any] = {"dataset": data.info.name, "data_root": args.data_root}
    origin[DATASET_INFO_KEY] = data.info.to_dict()
    origin.update({"validation_size": args.validation_size, "data_seed": args.data_seed})
    return _train_and_report(model, spec, data, config, Path(args.out), args.full_train, origin, args)


def _train_from_run(args: argparse.Namespace) -> int:
    from eas.build import build_model
    from eas.checkpoint import DATASET_INFO_KEY, has_checkpoint
    from eas.search import SearchRun
    from eas.search.config import load_search_data

    run = SearchRun(args.from_run)
    if args.out is None and not args.overwrite and has_checkpoint(run.directory.final_dir):
        # The default folder holds the run's result (the final network and its test accuracy): keep it.
        raise FileExistsError(
            f"{run.directory.final_dir} already holds this run's final network; give the new one a folder of its "
            f"own with --out (e.g. --out {run.root}/final-longer), or pass --overwrite to replace it"
        )
    if args.out is not None:
        refuse_existing_checkpoint(Path(args.out), args.overwrite)
    trial, network = run.chosen_network()
    config = run.config
    data = load_search_data(config)
    if args.from_scratch:
        model = build_model(network.spec, seed=config.final_training.seed)
        how = "from scratch"
    else:
        model = build_model(network.spec, network.state)
        how = "continuing from its searched weights"
    final = config.final_training
    if args.epochs is not None:
        final = replace(final, epochs=args.epochs)
    print(
        f"final training of trial {trial.trial_id} {network.spec.to_string()} ({how}), {final.epochs} epochs on "
        "training + validation images",
        file=sys.stderr,
    )
    out = Path(args.out) if args.out else run.directory.final_dir
    origin: dict[str, Any] = {"dataset": config.dataset, "data_root": config.data_root, "from_run": str(run.root)}
    origin.update({"validation_size": config.validation_size, "data_seed": config.data_seed, "trial": trial.trial_id})
    origin[DATASET_INFO_KEY] = data.info.to_dict()
    return _train_and_report(model, network.spec, data, final, out, True, origin, args)


def _train_and_report(
    model: Any, spec: Any, data: Any, config: Any, out: Path, full_train: bool, origin: dict[str, Any], args: Any
) -> int:
    from eas.checkpoint import save_checkpoint
    from eas.train import train_and_test

    check_output_folder(out, spec.num_params())
    if args.time_budget is not None:
        # The budget is the whole command's: what loading the data took is already spent.
        left = args.time_budget - (time.perf_counter() - args.started)
        if left <= 0:
            raise ValueError(f"--time-budget {args.time_budget:g} s was spent before training started; give more time")
        config = replace(config, time_budget=left)
        length = f"a {left:.0f} s budget"
    else:
        length = f"{config.epochs} epochs"
    print(f"training {spec.to_string()} ({spec.num_params():,} parameters) for {length}", file=sys.stderr)
    bar = EpochBar()
    final = train_and_test(model, data, config, full_train=full_train, progress=bar)
    bar.close()
    result = final.result
    metrics = {
        **origin,
        "arch": spec.to_string(),
        "train_config": config.to_dict(),
        "full_train": full_train,
        **final.to_dict(),
        "parameters": spec.num_params(),
        "flops": spec.flops(),
        "command_seconds": time.perf_counter() - args.started,
    }
    save_checkpoint(out, spec, model.cpu().state_dict(), metrics)
    if result.diverged:
        print(f"training diverged: {result.message}", file=sys.stderr)
        return 1
    validation = "n/a" if result.validation_accuracy is None else f"{100 * result.validation_accuracy:.2f}%"
    note = " (validation images were trained on)" if full_train else ""
    print(f"validation accuracy: {validation}{note}")
    print("\n".join(final_accuracy_lines(final.to_dict())))
    print(f"parameters: {spec.num_params():,}")
    print(f"{epochs_text(result.to_dict())}; wall time: {time.perf_counter() - args.started:.0f} s")
    print(f"train images/s: {result.images_per_second:.0f}; checkpoint: {out}")
    return 0
