"""Search efficiency on Fashion-MNIST: `rl`, `random`, `hillclimb` and `rl --no-weight-reuse` under the
same wall-clock budget, a few seeds each, all from the same preset (same start network, child recipe,
action space). Every run trains its own start network, so the budget is spent the same way.

Writes `OUT/trials.csv` (one row per trial: method, seed, seconds since the run began, networks
evaluated, validation accuracy, best-so-far among children) and `OUT/best_so_far.png`, then prints a
summary table: final best-so-far per method (mean over seeds), networks evaluated, and when weight reuse
first reached the from-scratch search's final accuracy.

    python bench/search_efficiency.py --budget 180 --seeds 0 1 --out bench/out/efficiency
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import time
from dataclasses import replace
from pathlib import Path

from eas.search import TrialStore, preset, run_search
from eas.search.config import load_search_data

METHODS = {
    "rl": {"strategy": "rl"},
    "random": {"strategy": "random"},
    "hillclimb": {"strategy": "hillclimb"},
    "rl-scratch": {"strategy": "rl", "weight_reuse": False},
}


def run_one(method: str, seed: int, budget: float, out: Path, data, preset_name: str) -> list[dict]:
    """One search; returns its trials as rows with times relative to the run's start."""
    run_dir = out / "runs" / f"{method}-seed{seed}"
    shutil.rmtree(run_dir, ignore_errors=True)
    config = preset(preset_name, seed=seed, episodes=None, time_budget=budget, **METHODS[method])
    config = replace(config, start_training=replace(config.start_training, seed=seed))
    began = time.time()
    run_search(config, run_dir, data=data)
    store = TrialStore(run_dir / "trials.sqlite")
    rows = []
    best = float("nan")
    evaluated = 0
    finished = store.connection.execute(
        "SELECT trial_id, episode, validation_accuracy, cached_from, status, finished FROM trials "
        "WHERE status != 'pending' ORDER BY finished"
    ).fetchall()
    start_accuracy = None
    for row in finished:
        if row["episode"] < 0:
            start_accuracy = row["validation_accuracy"]
            continue
        if row["cached_from"] is None:
            evaluated += 1
        accuracy = row["validation_accuracy"] if row["status"] == "ok" else None
        if accuracy is not None and not best >= accuracy:
            best = accuracy
        rows.append(
            {
                "method": method,
                "seed": seed,
                "seconds": row["finished"] - began,
                "networks": evaluated,
                "accuracy": accuracy,
                "best_so_far": best,
                "start_accuracy": start_accuracy,
            }
        )
    store.close()
    return rows


def first_time_reaching(rows: list[dict], target: float) -> float | None:
    """Seconds until best-so-far first reached `target` (None if never)."""
    for row in rows:
        if row["best_so_far"] >= target:
            return float(row["seconds"])
    return None


def plot(rows: list[dict], path: Path) -> None:
    """Best-so-far accuracy against time and against networks evaluated, one line per run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (by_time, by_count) = plt.subplots(1, 2, figsize=(12, 4.5))
    colours = dict(zip(METHODS, ("tab:red", "tab:blue", "tab:green", "tab:gray"), strict=True))
    for (method, seed), group in _groups(rows).items():
        accuracies = [100 * r["best_so_far"] for r in group]
        for axis, key in ((by_time, "seconds"), (by_count, "networks")):
            axis.step(
                [r[key] for r in group],
                accuracies,
                where="post",
                color=colours[method],
                label=f"{method} (seed {seed})",
                alpha=0.8,
            )
    by_time.set_xlabel("seconds since the run began")
    by_count.set_xlabel("networks evaluated")
    for axis in (by_time, by_count):
        axis.set_ylabel("best validation accuracy so far (%)")
        axis.grid(alpha=0.3)
    by_count.legend(fontsize=7)
    figure.suptitle("Fashion-MNIST search efficiency, equal wall-clock budget")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def _groups(rows: list[dict]) -> dict[tuple[str, int], list[dict]]:
    groups: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["method"], row["seed"]), []).append(row)
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=180.0, help="seconds per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--preset", default="fashion-cpu")
    parser.add_argument("--out", default="bench/out/efficiency")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_search_data(preset(args.preset))
    rows: list[dict] = []
    for seed in args.seeds:
        for method in args.methods:  # methods interleaved per seed, so machine noise is shared
            print(f"running {method} seed {seed} for {args.budget:.0f} s ...", flush=True)
            rows.extend(run_one(method, seed, args.budget, out, data, args.preset))
    with open(out / "trials.csv", "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    plot(rows, out / "best_so_far.png")
    groups = _groups(rows)
    print(f"\nbudget {args.budget:.0f} s per run, seeds {args.seeds}; accuracies are validation, best among children")
    print(f"{'method':<12} {'final best % (per seed)':<28} {'mean':>6} {'networks':>9}")
    finals: dict[str, list[float]] = {}
    for method in args.methods:
        runs = [groups[(method, seed)] for seed in args.seeds if (method, seed) in groups]
        bests = [run[-1]["best_so_far"] for run in runs]
        finals[method] = bests
        counts = [run[-1]["networks"] for run in runs]
        per_seed = " ".join(f"{100 * b:.2f}" for b in bests)
        print(f"{method:<12} {per_seed:<28} {100 * statistics.mean(bests):>6.2f} {statistics.mean(counts):>9.1f}")
    if "rl" in finals and "rl-scratch" in finals:
        for seed in args.seeds:
            if ("rl", seed) in groups and ("rl-scratch", seed) in groups:
                scratch = groups[("rl-scratch", seed)]
                target = scratch[-1]["best_so_far"]
                reached = first_time_reaching(groups[("rl", seed)], target)
                when = "never" if reached is None else f"{reached:.0f} s"
                print(
                    f"seed {seed}: from-scratch final {100 * target:.2f}% in {scratch[-1]['seconds']:.0f} s; "
                    f"weight reuse reached it at {when}"
                )
    print(f"\nwrote {out / 'trials.csv'} and {out / 'best_so_far.png'}")


if __name__ == "__main__":
    main()
