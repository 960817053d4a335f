"""How well does each cost measure predict what the final training will cost? Read from finished runs.

A cost-aware search prices a child by what its final training would cost: by its FLOPs, converted to
time at the fastest training FLOP/s any child reached (`cost_measure` "flops"), or by the training
seconds per image its own fine-tune took (`cost_measure` "time"); both scaled to the final training's
threads by the executor's compute share (a `pool` child on one of two cores trains at about half the
final training's speed). For each `search --train-final` run directory given, this prints the final
network's images/s as each measure predicted it from the trial store, the images/s its final training
actually ran at (final/metrics.json), and the ratio predicted / actual (1.0 is a perfect prediction;
above 1 the measure thought the network cheaper than it was, so the final training got fewer epochs
than the cost target aimed at).

    python bench/cost_prediction.py runs/equal-budget/a-seed0-40min runs/fashion-rl ...
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from eas.data import load_dataset
from eas.evaluation import OK
from eas.executors import PoolExecutor
from eas.executors.base import compute_share
from eas.search import SearchConfig, Trial, TrialStore
from eas.search.cost import TRAIN_FLOPS_PER_FORWARD_FLOP, child_training_images


def executor_share(run_dir: Path) -> float:
    """The compute share a run's children had, for trials stored before the store kept each trial's
    own: a default pool's for `--executor pool` (what `make search` runs), 1 for the local executor;
    read from the first session's command line (runs older than environment.json were all started
    without --executor: the local one)."""
    environment = run_dir / "environment.json"
    if not environment.exists():
        return 1.0
    argv = json.loads(environment.read_text())["sessions"][0]["argv"]
    pooled = "--executor" in argv and argv[argv.index("--executor") + 1] == "pool"
    return compute_share(PoolExecutor()) if pooled else 1.0


@dataclass
class Prediction:
    """One run's final network: its images/s as each measure predicted it, and as it trained."""

    run: str
    trial: int | None
    mflops: float
    share: float
    by_flops: float
    by_time: float
    actual: float


def predictions(run_dir: Path) -> Prediction | None:
    """The final network's predicted and actual training images/s for one run directory."""
    config = SearchConfig.from_dict(json.loads((run_dir / "config.json").read_text()))
    metrics = json.loads((run_dir / "final" / "metrics.json").read_text())
    data = load_dataset(config.dataset, root=config.data_root, validation_size=config.validation_size)
    images = child_training_images(config, len(data.train))
    share = executor_share(run_dir)
    store = TrialStore(run_dir / "trials.sqlite")
    try:
        trials = store.trials()
    finally:
        store.close()
    # Trained children only: a cut child's seconds cover part of its fine-tune.
    children = [t for t in trials if t.is_child and t.status == OK and t.cached_from is None and t.train_seconds]
    children = [t for t in children if t.flops]

    def share_of(trial: Trial) -> float:  # stored with the trial since the store kept it
        return share if trial.compute_share is None else trial.compute_share

    fastest = max(t.flops * TRAIN_FLOPS_PER_FORWARD_FLOP * images / t.train_seconds / share_of(t) for t in children)
    chosen = next((t for t in children if t.arch == metrics["arch"]), None)
    if chosen is None:
        return None  # the final network is a start network, with no fine-tune of its own to read
    actual = float(metrics["result"]["images_per_second"])
    by_flops = fastest / (chosen.flops * TRAIN_FLOPS_PER_FORWARD_FLOP)
    by_time = images / (chosen.train_seconds * share_of(chosen))
    return Prediction(str(run_dir), chosen.trial_id, chosen.flops / 1e6, share, by_flops, by_time, actual)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, help="run directories of searches with --train-final")
    args = parser.parse_args()
    print(f"{'run':42} {'trial':>5} {'MFLOPs':>7} {'share':>5} {'actual/s':>8} {'by FLOPs':>15} {'by time':>15}")
    for run_dir in args.runs:
        row = predictions(run_dir)
        if row is None:
            print(f"{run_dir!s:42} the final network is the start network: no child's fine-tune to read")
            continue
        print(
            f"{row.run:42} {row.trial!s:>5} {row.mflops:7.1f} {row.share:5.2f} {row.actual:8.0f} "
            f"{row.by_flops:8.0f} ({row.by_flops / row.actual:4.2f}) "
            f"{row.by_time:8.0f} ({row.by_time / row.actual:4.2f})"
        )


if __name__ == "__main__":
    main()
