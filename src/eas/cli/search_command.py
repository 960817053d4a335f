"""`eas search`: run or resume an architecture search in a run directory."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from eas.cli.common import check_at_least_one, epochs_text, final_accuracy_lines
from eas.cli.search_view import EventReceivers, SearchView


def add_parser(subparsers: Any) -> None:
    """Register `eas search`."""
    from eas.search.config import STRATEGIES

    parser = subparsers.add_parser("search", help="search architectures (re-run the same command to resume)")
    parser.add_argument("--run-dir", required=True, help="folder of the run (created, or resumed if it exists)")
    parser.add_argument("--preset", default="fashion-cpu", help="settings to start from (default %(default)s)")
    parser.add_argument(
        "--space",
        choices=("plain", "densenet"),
        default=None,
        help="search space: plain CNNs or DenseNet-BC (picks the preset's variant; default: the preset's)",
    )
    parser.add_argument("--strategy", choices=STRATEGIES, default=None, help="default: the preset's")
    parser.add_argument("--dataset", default=None, help="fashion-mnist, cifar10, svhn, npz:PATH (default: preset's)")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--start", default=None, help="start network: token string or `eas train` checkpoint folder")
    parser.add_argument("--episodes", type=int, default=None)
    parser.add_argument("--max-networks", type=int, default=None, help="stop after training this many children")
    parser.add_argument(
        "--time-budget",
        type=float,
        default=None,
        help="wall-clock seconds for the whole run (with --train-final: search and final training together)",
    )
    parser.add_argument(
        "--train-final",
        action="store_true",
        help="after the search, train the best network on training + validation images and report its test accuracy",
    )
    parser.add_argument("--no-train-final", action="store_true", help="search only (drop the preset's final training)")
    parser.add_argument(
        "--final-share",
        type=float,
        default=None,
        help="fraction of --time-budget given to the final training (default: the preset's)",
    )
    parser.add_argument(
        "--final-lr",
        type=float,
        default=None,
        help="peak learning rate of the final training (default: the preset's; lower it to continue a trained network)",
    )
    parser.add_argument(
        "--start-share", type=float, default=None, help="fraction of --time-budget for training the start network"
    )
    parser.add_argument(
        "--one-schedule",
        action="store_true",
        help="one cosine over the whole budget: the start network and the final training do not restart it",
    )
    parser.add_argument(
        "--parent-twin",
        action="store_true",
        help="each stage also fine-tunes its start network unchanged, so the final training can keep it when "
        "no child earns its cost, and the log says what growth gained over it",
    )
    parser.add_argument(
        "--cost-exponent",
        type=float,
        default=None,
        help="w < 0: scale rewards by (FLOPs / affordable FLOPs)^w above what the final training can afford",
    )
    parser.add_argument(
        "--cost-measure",
        choices=("flops", "time"),
        default=None,
        help="what --cost-exponent prices: FLOPs, or each child's measured training seconds per image",
    )
    parser.add_argument("--no-time-budget", action="store_true", help="drop the preset's time budget")
    parser.add_argument("--max-params", type=int, default=None, help="never propose networks above this size")
    parser.add_argument("--networks-per-episode", type=int, default=None)
    parser.add_argument("--child-epochs", type=int, default=None)
    parser.add_argument(
        "--restart-every",
        type=int,
        default=None,
        help="every N episodes, restart from the best network so far (the paper's second stage); 0: never",
    )
    parser.add_argument(
        "--stage-epochs",
        type=int,
        default=None,
        help="train the best network this many epochs before it starts the next stage (0: use it as it is)",
    )
    parser.add_argument("--no-weight-reuse", action="store_true", help="train every child from scratch (baseline)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... for all training")
    parser.add_argument(
        "--tensorboard",
        nargs="?",
        const="",
        default=None,
        metavar="DIR",
        help="also log children, episodes and the final accuracy for TensorBoard in DIR (default: RUN/tensorboard)",
    )
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set any config field, nested ones dotted (child_training.epochs=2); JSON values; "
        "repeatable, applied last (see `eas presets NAME` for the keys)",
    )
    add_executor_arguments(parser)
    parser.set_defaults(run=run)


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Where children train: --executor and its settings."""
    from eas.executors import EXECUTORS

    group = parser.add_argument_group("executor (where children train)")
    group.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="local",
        help="local: one after another here; pool: worker processes here; ray: Ray tasks (default %(default)s)",
    )
    group.add_argument("--workers", type=int, default=None, help="pool processes or Ray tasks at once")
    group.add_argument("--threads", type=int, default=None, help="torch threads per child (local and pool)")
    group.add_argument("--ray-address", default=None, help="'auto' or host:port of a Ray cluster (default: local)")
    group.add_argument("--cpus-per-child", type=int, default=1, help="Ray CPUs per child (default 1)")
    group.add_argument("--gpus-per-child", type=float, default=0.0, help="Ray GPUs per child (default 0)")
    group.add_argument(
        "--child-retries", type=int, default=1, help="retries of a child whose worker died or timed out (default 1)"
    )
    group.add_argument("--child-timeout", type=float, default=None, help="seconds before a child's worker is stopped")


def executor_config(args: argparse.Namespace) -> Any:
    """The ExecutorConfig of the command line."""
    from eas.executors import ExecutorConfig

    return ExecutorConfig(
        kind=args.executor,
        workers=args.workers,
        threads=args.threads,
        ray_address=args.ray_address,
        cpus_per_child=args.cpus_per_child,
        gpus_per_child=args.gpus_per_child,
        retries=args.child_retries,
        child_timeout=args.child_timeout,
    )


def build_config(args: argparse.Namespace) -> Any:
    """The SearchConfig: the preset with the command line's overrides."""
    from eas.search import preset
    from eas.search.overrides import apply_overrides
    from eas.search.presets import preset_for_space

    config = preset(preset_for_space(args.preset, args.space))
    overrides: dict[str, Any] = {}
    for name in (
        "strategy",
        "dataset",
        "data_root",
        "start",
        "episodes",
        "max_networks",
        "networks_per_episode",
        "seed",
        "final_share",
        "start_share",
        "cost_exponent",
        "cost_measure",
    ):
        value = getattr(args, name)
        if value is not None:
            overrides[name] = value
    if args.time_budget is not None:
        overrides["time_budget"] = args.time_budget
    if args.no_time_budget:
        overrides["time_budget"] = None
    if args.no_weight_reuse:
        overrides["weight_reuse"] = False
    if args.one_schedule:
        overrides["one_schedule"] = True
    if args.parent_twin:
        overrides["parent_twin"] = True
    if args.train_final and args.no_train_final:
        raise ValueError("--train-final and --no-train-final contradict each other; give one")
    if args.train_final or args.no_train_final:
        overrides["train_final"] = args.train_final
    if args.max_params is not None:
        overrides["action_space"] = replace(config.action_space, max_params=args.max_params)
    if args.restart_every is not None:
        overrides["restart_every"] = args.restart_every or None
    if args.stage_epochs is not None:
        overrides["stage_training"] = stage_recipe(config, args.stage_epochs)
    if args.final_lr is not None:
        overrides["final_training"] = replace(config.final_training, learning_rate=args.final_lr)
    check_at_least_one(args.child_epochs, "--child-epochs")
    if args.child_epochs is not None:
        overrides["child_training"] = replace(config.child_training, epochs=args.child_epochs)
    config = config.with_overrides(**overrides)
    if args.device is not None:
        config = replace(
            config,
            start_training=replace(config.start_training, device=args.device),
            child_training=replace(config.child_training, device=args.device),
            final_training=replace(config.final_training, device=args.device),
            stage_training=None
            if config.stage_training is None
            else replace(config.stage_training, device=args.device),
        )
    # Last, so that a --set wins over the preset and every other flag.
    return apply_overrides(config, args.assignments)


def stage_recipe(config: Any, epochs: int) -> Any:
    """The recipe that trains a stage's best network `epochs` epochs: the child recipe on every training
    image (None for 0 epochs: the network starts the stage as it is)."""
    if epochs < 0:
        raise ValueError(f"--stage-epochs must be >= 0, got {epochs}")
    if epochs == 0:
        return None
    base = config.stage_training or config.child_training
    return replace(base, epochs=epochs, train_subset=None)


def open_tensorboard(args: argparse.Namespace) -> Any:
    """The TensorBoard log that --tensorboard asks for (None without it); a `ValueError` naming the extra to
    install when the tensorboard package is missing. It writes nothing before the search's first event."""
    if args.tensorboard is None:
        return None
    from eas.report.tensorboard import TensorBoardLog

    return TensorBoardLog(args.tensorboard or Path(args.run_dir) / "tensorboard")


class StopSignal:
    """While the search runs, SIGTERM stops it like Ctrl-C: as a KeyboardInterrupt, so the search's
    `finally` blocks save the elapsed time and close the store (Python's default ends the process at
    once). Remembers which signal came, for the exit status and the message."""

    def __init__(self) -> None:
        self.number = int(signal.SIGINT)
        self.previous: Any = None

    @property
    def name(self) -> str:
        """How the user stopped the search, in words."""
        return "Ctrl-C (SIGINT)" if self.number == signal.SIGINT else signal.Signals(self.number).name

    def __enter__(self) -> StopSignal:
        # Handlers can only be installed from the main thread (a notebook may call main() from another).
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._on_terminate)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
            self.previous = None

    def _on_terminate(self, number: int, frame: Any) -> None:
        self.number = number
        raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Run the search with a progress view; Ctrl-C stops after saving and a re-run resumes."""
    from eas.executors import make_executor
    from eas.search import RunDirectoryWriteError, RunLockedError, TooManyFailuresError, run_search

    config = build_config(args)
    # Before the executor and the view: a missing tensorboard package stops the command before they start.
    tensorboard = open_tensorboard(args)
    executor = make_executor(executor_config(args))
    view: Any = SearchView(config.episodes)
    if tensorboard is not None:
        view = EventReceivers(view, tensorboard)
    stop = StopSignal()
    try:
        with stop:
            summary = run_search(config, args.run_dir, on_event=view, executor=executor)
    except KeyboardInterrupt:
        view.close()
        print(
            f"\neas search: stopped by {stop.name}; everything finished is saved. "
            f"Re-run the same command to resume {args.run_dir}.",
            file=sys.stderr,
        )
        return 128 + stop.number  # the shell's convention: 130 for Ctrl-C, 143 for SIGTERM
    except RunLockedError as error:
        print(f"eas search: error: {error}", file=sys.stderr)
        return 2
    except (TooManyFailuresError, RunDirectoryWriteError) as error:
        # Not bad input (status 2) and not a bug (the "unexpected error" of status 1 asks for a report).
        print(f"eas search: error: {error}", file=sys.stderr)
        return 1
    finally:
        view.close()
        if hasattr(executor, "close"):
            executor.close()
    print(f"\nrun directory: {summary.run_dir}")
    print(
        f"networks trained: {summary.networks_trained} in {summary.episodes_completed} episodes, "
        f"{summary.elapsed_seconds:.0f} s ({summary.stopped_because})"
    )
    if summary.start_accuracy is not None:
        print(f"start network validation accuracy: {100 * summary.start_accuracy:.2f}%")
    if summary.best is not None:
        best = summary.best
        print(f"best architecture: {best.arch}")
        print(
            f"best validation accuracy: {100 * (best.validation_accuracy or 0.0):.2f}% "
            f"(trial {best.trial_id}, {best.parameters:,} parameters)"
        )
    if summary.final is not None:
        final = summary.final
        print(
            f"final network: trial {final['trial']} {final['arch']} ({final['parameters']:,} parameters), "
            f"{epochs_text(final['result'])} on training + validation images"
        )
        print("\n".join(final_accuracy_lines(final)))
        print(f"whole job: {final['elapsed_seconds']:.0f} s; checkpoint: {summary.run_dir}/final")
        print(
            f"train it longer: eas train --from-run {summary.run_dir} --time-budget SECONDS "
            f"--out {summary.run_dir}/final-longer"
        )
    elif summary.best is not None:
        print(f"train it longer: eas train --from-run {summary.run_dir}")
    return 0
