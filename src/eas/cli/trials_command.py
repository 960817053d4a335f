"""`eas trials`: the trials of a search run as a table, best first (or by size or time)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

SORTS = ("accuracy", "params", "time", "id")
STATUS_COLUMN = 2


def add_parser(subparsers: Any) -> None:
    """Register `eas trials`."""
    parser = subparsers.add_parser("trials", help="list the trials of a search run")
    parser.add_argument("run_dir", metavar="RUN", help="search run directory")
    parser.add_argument("--top", type=int, default=None, help="show only the first N rows")
    parser.add_argument(
        "--sort",
        choices=SORTS,
        default="accuracy",
        help="accuracy: most accurate first; params: smallest first; time: fastest first; id: in order "
        "(default %(default)s)",
    )
    parser.set_defaults(run=run)


def _sort_key(sort: str) -> Callable[[Any], tuple[Any, ...]]:
    # Trials without the sorted value (pending, failed) go last whatever the order.
    if sort == "accuracy":
        return lambda trial: (trial.validation_accuracy is None, -(trial.validation_accuracy or 0.0), trial.trial_id)
    if sort == "params":
        return lambda trial: (trial.parameters is None, trial.parameters or 0, trial.trial_id)
    if sort == "time":
        return lambda trial: (trial.train_seconds is None, trial.train_seconds or 0.0, trial.trial_id)
    if sort == "id":
        return lambda trial: (trial.trial_id,)
    raise ValueError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")


def sorted_trials(trials: Sequence[Any], sort: str, top: int | None) -> list[Any]:
    """`trials` in the order `sort` names, cut to the first `top` (all when None)."""
    if top is not None and top < 1:
        raise ValueError(f"--top must be a positive number of rows, got {top}")
    ordered = sorted(trials, key=_sort_key(sort))
    return ordered if top is None else ordered[:top]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}"


def _count(value: int | None, scale: float, suffix: str) -> str:
    return "-" if value is None else f"{value / scale:.2f}{suffix}"


def _parent(trial: Any) -> str:
    if trial.parent_trial is not None:
        return str(trial.parent_trial)
    # A child without a parent trial grew from the run's start network, which has no parent itself.
    return "start" if trial.is_child else "-"


def format_table(trials: Sequence[Any]) -> str:
    """A fixed-width table of `trials`, one line each, architecture last (it is the longest column)."""
    header = ("trial", "ep", "status", "before%", "after%", "params", "FLOPs", "seconds", "parent", "architecture")
    rows = [header]
    for trial in trials:
        rows.append(
            (
                str(trial.trial_id),
                "start" if not trial.is_child else str(trial.episode),
                trial.status if trial.cached_from is None else f"{trial.status} (=#{trial.cached_from})",
                _percent(trial.accuracy_before),
                _percent(trial.validation_accuracy),
                _count(trial.parameters, 1e3, "K"),
                _count(trial.flops, 1e6, "M"),
                "-" if trial.train_seconds is None else f"{trial.train_seconds:.1f}",
                _parent(trial),
                trial.arch,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    lines = []
    for row in rows:
        # Numbers right-aligned, the status left-aligned; zip stops before the unpadded architecture.
        cells = [
            cell.ljust(width) if column == STATUS_COLUMN else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the table of the run's trials."""
    from eas.search import SearchRun

    trials = SearchRun(args.run_dir).trials()
    if not trials:
        print(f"{args.run_dir} has no trials yet")
        return 0
    chosen = sorted_trials(trials, args.sort, args.top)
    print(format_table(chosen))
    if len(chosen) < len(trials):
        print(f"({len(chosen)} of {len(trials)} trials)")
    return 0
