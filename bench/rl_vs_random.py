"""Does the controller learn? rl against random search at an equal number of networks (the paper's RQ2).

Each run is `eas search --preset controller-cpu --strategy S --seed N` (200 children of a few seconds,
all grown from one start network, so an episode's mean child accuracy measures the policy that sampled
it). A variant of rl is a label and its `--set` overrides (`--variant lr-1e-2
controller.learning_rate=0.01`). Every finished run is appended to a CSV at once (and its episodes to a
second one) and runs already there are skipped; an interrupted run resumes inside its run directory.

Prints, per strategy: mean child accuracy in the first and the last third of the episodes, the best
child, the slope of the episode means, each as mean and spread over seeds, and a Welch t-test and a
one-sided Mann-Whitney test of rl's last-third mean against random's. Draws the curves (mean and best
child accuracy, reward and baseline, entropy, what the sampled actions do) to a PNG.

    python bench/rl_vs_random.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from scipy import stats

from eas.report.data import RunData, load_run
from eas.search.trial import Trial
from eas.spec.edits import DEEPEN, NO_KERNEL, WIDEN

# bench/results_log.py, beside this script
from results_log import append_row, paired_line, recorded, run_keeping_output, welch_line

PRESET = "controller-cpu"
EAS = str(Path(sys.executable).with_name("eas"))
RUN_FIELDS = ("label", "strategy", "seed", "networks", "episodes", "first_mean", "last_mean", "best", "slope")
RUN_FIELDS += ("repeated_last", "seconds", "overrides", "finished")
EPISODE_FIELDS = ("label", "seed", "episode", "mean_accuracy", "max_accuracy", "best_so_far", "mean_reward")
EPISODE_FIELDS += ("baseline", "entropy", "layers_widened", "fc_insertions", "kernel_1", "kernel_3", "kernel_5")
EPISODE_FIELDS += ("mean_mflops", "repeated")


def episode_actions(trials: list[Trial]) -> dict[str, float]:
    """What an episode's children were made of: widen edits per child, and the share of inserted layers
    that were fc layers or convolutions of each kernel size (frequencies in the sample; for rl they
    estimate the policy's probabilities). Read from the edits, which rl and random both record."""
    widened, insertions, kernels = [], [], {NO_KERNEL: 0, 1: 0, 3: 0, 5: 0}
    for trial in trials:
        widened.append(sum(1 for edit in trial.edits if edit.kind == WIDEN))
        insertions += [edit.value for edit in trial.edits if edit.kind == DEEPEN]
    for value in insertions:
        if value in kernels:
            kernels[value] += 1
    share = (lambda count: count / len(insertions)) if insertions else (lambda count: float("nan"))
    return {
        "layers_widened": statistics.mean(widened) if widened else float("nan"),
        "fc_insertions": share(kernels[NO_KERNEL]),
        **{f"kernel_{size}": share(kernels[size]) for size in (1, 3, 5)},
    }


def episode_rows(label: str, seed: int, run: RunData) -> list[dict[str, Any]]:
    """One row per episode: child accuracy (mean, max, best so far), the controller's statistics and
    what the sampled actions did."""
    children: dict[int, list[Trial]] = {}
    for trial in run.trials:
        if trial.is_child and trial.status == "ok" and trial.validation_accuracy is not None:
            children.setdefault(trial.episode, []).append(trial)
    controller = {int(row["episode"]): row for row in run.episodes}
    rows, best = [], 0.0
    for episode in sorted(children):
        accuracies = [float(t.validation_accuracy or 0.0) for t in children[episode]]
        best = max(best, *accuracies)
        flops = [t.flops for t in children[episode] if t.flops is not None]
        row = controller.get(episode, {})
        rows.append(
            {
                "label": label,
                "seed": seed,
                "episode": episode,
                "mean_accuracy": statistics.mean(accuracies),
                "max_accuracy": max(accuracies),
                "best_so_far": best,
                "mean_reward": row.get("mean_reward", float("nan")),
                "baseline": row.get("baseline", float("nan")),
                "entropy": row.get("entropy", float("nan")),
                **episode_actions(children[episode]),
                "mean_mflops": statistics.mean(flops) / 1e6 if flops else float("nan"),
                # Children whose architecture an earlier child already had: they repeat its score (the
                # search does not train an architecture twice), so a policy that settles on one lucky
                # architecture keeps its luck; the share says how much of a curve that is.
                "repeated": sum(1 for t in children[episode] if t.cached_from is not None) / len(accuracies),
            }
        )
    return rows


def run_summary(label: str, strategy: str, seed: int, rows: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The run's CSV row: mean child accuracy over the first and last third of its episodes, its best
    child, and the least-squares slope of the episode means (points per 10 episodes)."""
    means = [float(row["mean_accuracy"]) for row in rows]
    third = max(1, len(means) // 3)
    episodes = [float(row["episode"]) for row in rows]
    slope = stats.linregress(episodes, means).slope if len(means) > 1 else float("nan")
    return {
        "label": label,
        "strategy": strategy,
        "seed": seed,
        "episodes": len(rows),
        "first_mean": statistics.mean(means[:third]),
        "last_mean": statistics.mean(means[-third:]),
        "best": max(float(row["best_so_far"]) for row in rows),
        "slope": 1000 * slope,  # accuracy per episode -> points per 10 episodes
        "repeated_last": statistics.mean(float(row["repeated"]) for row in rows[-third:]),
        "seconds": round(seconds, 1),
        "finished": time.strftime("%Y-%m-%d %H:%M"),
    }


def run_one(
    preset: str, label: str, strategy: str, seed: int, overrides: list[str], out_root: Path, threads: int | None
) -> tuple[RunData, float]:
    """Run (or resume) one search; returns its data and the seconds this call spent."""
    out = out_root / f"{label}-seed{seed}"
    line = [EAS, "search", "--preset", preset, "--strategy", strategy, "--seed", str(seed), "--run-dir", str(out)]
    if threads is not None:
        line += ["--threads", str(threads)]
    for override in overrides:
        line += ["--set", override]
    print(f"[{time.strftime('%H:%M:%S')}] {label} seed {seed}: {' '.join(line[1:])}", flush=True)
    began = time.perf_counter()
    run_keeping_output(line, out_root / f"{out.name}.out", append=True)  # a run may resume an earlier one
    return load_run(out), time.perf_counter() - began


def spread(values: list[float], scale: float = 100.0) -> str:
    """'mean ± sd' of `values` x `scale` (percent by default; sd blank for one value)."""
    mean = scale * statistics.mean(values)
    if len(values) < 2:
        return f"{mean:6.2f}       "
    return f"{mean:6.2f} ± {scale * statistics.stdev(values):4.2f}"


def report(runs: list[dict[str, str]]) -> None:
    """Per label: first and last third, best, slope (mean ± sd over seeds); rl variants against random."""
    labels = list(dict.fromkeys(row["label"] for row in runs))
    print(
        f"\n{'label':<16}{'seeds':>6}{'first third %':>17}{'last third %':>17}{'best %':>17}{'slope /10 ep':>17}",
        end="",
    )
    print(f"{'repeated, last third %':>24}")
    for label in labels:
        mine = [row for row in runs if row["label"] == label]
        columns = [[float(row[name]) for row in mine] for name in ("first_mean", "last_mean", "best")]
        slopes = [float(row["slope"]) for row in mine]  # already in points per 10 episodes
        repeated = [float(row["repeated_last"]) for row in mine]
        cells = [spread(values) for values in columns] + [spread(slopes, scale=1.0), spread(repeated)]
        print(f"{label:<16}{len(mine):>6}" + "".join(f"{cell:>17}" for cell in cells[:-1]) + f"{cells[-1]:>24}")
    random_last = [float(row["last_mean"]) for row in runs if row["label"] == "random"]
    for label in labels:
        if label == "random" or len(random_last) < 2:
            continue
        last = [float(row["last_mean"]) for row in runs if row["label"] == label]
        if len(last) < 2:
            continue
        ranks = stats.mannwhitneyu(last, random_last, alternative="greater")
        welch = welch_line(f"{label} - random, last third", [100 * x for x in last], [100 * x for x in random_last])
        print(f"{welch} (two-sided);", end=" ")
        print(f"Mann-Whitney U = {ranks.statistic:.0f}, p = {ranks.pvalue:.3f} (one-sided, rl greater)")
        # A seed fixes the start network, so the two strategies' runs of one seed are a pair.
        pairs = _paired(runs, label, "random", "last_mean")
        if len(pairs) >= 2:
            differences = [100 * (mine - theirs) for mine, theirs in pairs]
            paired = paired_line([100 * mine for mine, _ in pairs], [100 * theirs for _, theirs in pairs])
            print(
                f"  paired by seed (same start network): differences {', '.join(f'{d:+.2f}' for d in differences)}; "
                f"{paired}"
            )


def _paired(runs: list[dict[str, str]], label: str, other: str, key: str) -> list[tuple[float, float]]:
    """(label's, other's) value of `key` for every seed both have run."""
    mine = {row["seed"]: float(row[key]) for row in runs if row["label"] == label}
    theirs = {row["seed"]: float(row[key]) for row in runs if row["label"] == other}
    return [(mine[seed], theirs[seed]) for seed in sorted(mine) if seed in theirs]


def plot(episodes: list[dict[str, str]], path: Path) -> None:
    """Curves per label, mean over seeds: child accuracy (mean and best so far), reward and baseline,
    entropy, and what the sampled actions did."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("mean_accuracy", "mean child accuracy"),
        ("best_so_far", "best child so far"),
        ("mean_reward", "mean reward (solid), baseline (dashed)"),
        ("entropy", "policy entropy per child"),
        ("layers_widened", "widen edits per child"),
        ("kernel_1", "share of deeper insertions: 1x1 (solid), fc (dashed)"),
    ]
    figure, axes = plt.subplots(2, 3, figsize=(15, 8))
    labels = list(dict.fromkeys(row["label"] for row in episodes))
    for axis, (key, title) in zip(axes.flat, panels, strict=True):
        for index, label in enumerate(labels):
            color = f"C{index}"
            series = [(key, "-")]
            if key == "mean_reward":
                series.append(("baseline", "--"))
            if key == "kernel_1":
                series.append(("fc_insertions", "--"))
            for name, style in series:
                xs, ys = _mean_curve([row for row in episodes if row["label"] == label], name)
                if xs:
                    axis.plot(xs, ys, style, color=color, label=label if style == "-" else None)
        axis.set_title(title)
        axis.set_xlabel("episode")
        axis.grid(alpha=0.3)
    axes.flat[0].legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    print(f"curves: {path}")


def _mean_curve(rows: list[dict[str, str]], key: str) -> tuple[list[int], list[float]]:
    """Per episode, the mean of `key` over the seeds that have a finite value."""
    latest = {(row["seed"], row["episode"]): row for row in rows}  # a re-recorded run's last rows win
    by_episode: dict[int, list[float]] = {}
    for row in latest.values():
        value = float(row[key]) if row[key] not in ("", "nan") else float("nan")
        if value == value:  # not NaN
            by_episode.setdefault(int(row["episode"]), []).append(value)
    xs = sorted(by_episode)
    return xs, [statistics.mean(by_episode[x]) for x in xs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--strategies", nargs="*", default=["rl", "random"], choices=["rl", "random", "hillclimb"])
    parser.add_argument(
        "--variant",
        nargs="+",
        action="append",
        default=[],
        metavar=("LABEL", "KEY=VALUE"),
        help="an rl variant: its label and the --set overrides that make it (repeatable)",
    )
    parser.add_argument("--preset", default=PRESET, help="the search every run makes (smoke: a check of this script)")
    parser.add_argument("--set", dest="common", action="append", default=[], metavar="KEY=VALUE", help="for every run")
    parser.add_argument(
        "--threads", type=int, default=None, help="threads per search (1: two benchmarks side by side on 2 cores)"
    )
    parser.add_argument("--csv", type=Path, default=Path("bench/results/rl_vs_random.csv"))
    parser.add_argument("--out", type=Path, default=Path("runs/rl-vs-random"))
    parser.add_argument("--plot", type=Path, default=Path("bench/results/rl_vs_random.png"))
    args = parser.parse_args()
    episodes_csv = args.csv.with_name(args.csv.stem + "_episodes.csv")
    plans = [(strategy, strategy, list(args.common)) for strategy in args.strategies]
    plans += [(variant[0], "rl", [*args.common, *variant[1:]]) for variant in args.variant]
    for seed in args.seeds:
        for label, strategy, overrides in plans:
            if any(row["label"] == label and int(row["seed"]) == seed for row in recorded(args.csv)):
                continue
            run, seconds = run_one(args.preset, label, strategy, seed, overrides, args.out, args.threads)
            rows = episode_rows(label, seed, run)
            for row in rows:
                append_row(episodes_csv, EPISODE_FIELDS, row)
            summary = run_summary(label, strategy, seed, rows, seconds)
            summary["networks"] = sum(1 for t in run.trials if t.is_child)
            summary["overrides"] = json.dumps(overrides)
            append_row(args.csv, RUN_FIELDS, summary)
            print(
                f"  last third {100 * summary['last_mean']:.2f}%, best {100 * summary['best']:.2f}%, {seconds:.0f} s",
                flush=True,
            )
    report(recorded(args.csv))
    plot(recorded(episodes_csv), args.plot)


if __name__ == "__main__":
    main()
