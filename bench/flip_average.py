"""Flip averaging: what scoring each test image together with its mirror image adds to trained networks.

Networks trained with horizontal flips (Fashion-MNIST, CIFAR-10) have seen every image both ways round. For
each trained network given (a search run directory, whose final network is read, or a checkpoint folder of
`eas train --out`), this scores the test split twice: plainly, as every comparison of bench/equal_budget.py
does, and by the mean of the class probabilities for each image and its mirror image (`evaluate_with_flips`,
twice the prediction cost). It checks the plain score against the test accuracy the
network's own metrics recorded, then prints one row per network and the paired difference over all of them
(a paired t-test: every network is scored both ways on the same images).

The networks are fixed before they are scored and nothing is chosen by these figures: the test set decides
nothing here, it only measures one fixed change. Without arguments every final network under
runs/equal-budget/ is scored (the 2-hour runs of that benchmark leave theirs there).

    python bench/flip_average.py
    python bench/flip_average.py runs/equal-budget/l-seed2-120min runs/equal-budget/c-seed1-120min
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass
from pathlib import Path

from eas.build import build_model
from eas.checkpoint import has_checkpoint
from eas.data import Split, load_dataset
from eas.export import TrainedNetwork, load_trained
from eas.search.rundir import RunDirectory
from eas.train import evaluate_with_flips
from results_log import paired_line  # bench/results_log.py, beside this script

RUNS = Path("runs") / "equal-budget"
# Plain scores that differ from the recorded test accuracy by more than this are flagged: a network scored
# on other images, or with other normalisation statistics, than it was tested with.
RECORDED_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Scores:
    """One network's plain and flip-averaged test accuracy, beside what its metrics recorded."""

    name: str
    parameters: int
    recorded: float | None
    plain: float
    flip_average: float


def trained_networks(root: Path) -> list[Path]:
    """Every search run directory with a final network and every checkpoint folder directly under `root`."""
    found = []
    for folder in sorted(path for path in root.iterdir() if path.is_dir()):
        run = RunDirectory(folder)
        if (run.exists() and has_checkpoint(run.final_dir)) or has_checkpoint(folder):
            found.append(folder)
    return found


def score(name: str, trained: TrainedNetwork, test: Split) -> Scores:
    """`trained` scored on `test` plainly and with flip averaging."""
    model = build_model(trained.spec, trained.state)
    plain, flipped = evaluate_with_flips(model, test, trained.info)
    return Scores(name, trained.spec.num_params(), trained.test_accuracy, plain.accuracy, flipped.accuracy)


def summary(rows: list[Scores]) -> list[str]:
    """The paired comparison over `rows`: mean difference, how many gained or lost, paired t-test."""
    differences = [row.flip_average - row.plain for row in rows]
    gained = sum(difference > 0 for difference in differences)
    lost = sum(difference < 0 for difference in differences)
    lines = [
        f"flip-averaged - plain over {len(rows)} networks: mean {100 * statistics.mean(differences):+.3f} points, "
        f"{gained} gained, {lost} lost, {len(rows) - gained - lost} unchanged"
    ]
    if len(rows) >= 2:
        # In points, as the line above: a no-spread line then names the difference in the same unit.
        lines.append(paired_line([100 * row.flip_average for row in rows], [100 * row.plain for row in rows]))
    return lines


def mismatches(rows: list[Scores]) -> list[str]:
    """A line for each network whose plain score is not the test accuracy its metrics recorded."""
    return [
        f"{row.name}: plain {100 * row.plain:.2f}% but its metrics recorded {100 * row.recorded:.2f}%"
        for row in rows
        if row.recorded is not None and abs(row.plain - row.recorded) > RECORDED_TOLERANCE
    ]


def main() -> None:
    """Score every network given (or found under runs/equal-budget) both ways and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("networks", nargs="*", type=Path, help="run directories or checkpoint folders")
    parser.add_argument("--data-root", default=None, help="where the dataset files are (default: searched)")
    args = parser.parse_args()
    folders = args.networks or trained_networks(RUNS)
    if not folders:
        raise SystemExit(f"no trained networks given and none under {RUNS}; name run directories or checkpoints")
    tests: dict[str, Split] = {}
    rows = []
    print(f"{'network':34} {'parameters':>10} {'plain %':>8} {'flipped %':>9} {'change':>7}")
    for folder in folders:
        trained = load_trained(folder)
        name = trained.info.name
        if name not in tests:  # the test split does not depend on the validation hold-out
            tests[name] = load_dataset(name, root=args.data_root).test
        row = score(folder.name, trained, tests[name])
        rows.append(row)
        change = 100 * (row.flip_average - row.plain)
        line = f"{row.name:34} {row.parameters:>10,} {100 * row.plain:>8.2f} {100 * row.flip_average:>9.2f}"
        print(f"{line} {change:>+7.2f}", flush=True)
    print("\n".join(summary(rows)))
    for line in mismatches(rows):
        print(f"WARNING: {line}")


if __name__ == "__main__":
    main()
