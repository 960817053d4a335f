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
    load_data,
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
        help="final training of a search run's best network with the run's final recipe (--epochs may shorten it)",
    )
    parser.add_argument("--out", default=None, help="checkpoint folder to write (default with --from-run: RUN/final)")
    parser.add_argument("--full-train", action="store_true", help="train on training + validation images")
    parser.add_argument("--from-scratch", action="store_true", help="with --from-run: ignore the inherited weights")
    add_dataset_arguments(parser)
    add_training_arguments(parser, epochs=None)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train, evaluate on validation and test, save, print the accuracies."""
    from eas.build import build_model
    from eas.spec import NetSpec

    if args.from_run is not None:
        return _train_from_run(args)
    if args.out is None:
        raise ValueError("--out is required: the folder to write the checkpoint to")
    data = load_data(args)
    spec = NetSpec.parse(args.arch or DEFAULT_ARCH, data.info.input_shape, data.info.num_classes)
    config = training_config(args)
    model = build_model(spec, seed=config.seed)
    origin: dict[str, Any] = {"dataset": data.info.name, "data_root": args.data_root}
    origin.update({"validation_size": args.validation_size, "data_seed": args.data_seed})
    return _train_and_report(model, spec, data, config, Path(args.out), args.full_train, origin)


def _train_from_run(args: argparse.Namespace) -> int:
    from eas.build import build_model
    from eas.search import SearchRun
    from eas.search.config import load_search_data

    run = SearchRun(args.from_run)
    trial, network = run.best_network()
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
    return _train_and_report(model, network.spec, data, final, out, True, origin)


def _train_and_report(
    model: Any, spec: Any, data: Any, config: Any, out: Path, full_train: bool, origin: dict[str, Any]
) -> int:
    from eas.checkpoint import save_checkpoint
    from eas.train import evaluate, fit, full_training_data

    print(f"training {spec.to_string()} ({spec.num_params():,} parameters) for {config.epochs} epochs", file=sys.stderr)
    training_data = full_training_data(data) if full_train else data
    bar = EpochBar()
    started = time.perf_counter()
    result = fit(model, training_data, config, progress=bar, validation=data.validation)
    bar.close()
    test = evaluate(model, data.test, data.info, device=config.device)
    metrics = {
        **origin,
        "arch": spec.to_string(),
        "train_config": config.to_dict(),
        "full_train": full_train,
        "result": result.to_dict(),
        "test_accuracy": test.accuracy,
        "parameters": spec.num_params(),
        "flops": spec.flops(),
        "wall_seconds": time.perf_counter() - started,
    }
    save_checkpoint(out, spec, model.cpu().state_dict(), metrics)
    if result.diverged:
        print(f"training diverged: {result.message}", file=sys.stderr)
        return 1
    validation = "n/a" if result.validation_accuracy is None else f"{100 * result.validation_accuracy:.2f}%"
    note = " (validation images were trained on)" if full_train else ""
    print(f"validation accuracy: {validation}{note}")
    print(f"test accuracy: {100 * test.accuracy:.2f}%")
    print(f"parameters: {spec.num_params():,}")
    print(f"train images/s: {result.images_per_second:.0f}; checkpoint: {out}")
    return 0
