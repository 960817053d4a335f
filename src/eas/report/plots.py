"""The report's charts as PNG bytes: search progress of one or several runs, the controller's learning
statistics, accuracy against cost with the Pareto front, and where the strategy edited the networks."""

from __future__ import annotations

from typing import Any

from eas.report.data import RunData, episode_accuracy, episode_series, pareto_front, progress
from eas.report.edit_sites import EditCounts
from eas.report.style import BEST_COLOUR, FRONT_COLOUR, png_bytes, pyplot, run_colour, time_unit

ACCURACY_LABEL = "validation accuracy (%)"


def progress_figure(runs: list[RunData]) -> bytes:
    """Best-so-far (line) and each child's (dots) validation accuracy against networks trained and
    against wall-clock time, and each episode's mean and best child: one colour per run."""
    plt = pyplot()
    figure, (by_count, by_time, by_episode) = plt.subplots(1, 3, figsize=(13, 3.8))
    longest = max((point.seconds for run in runs for point in progress(run)), default=0.0)
    divisor, unit = time_unit(longest)
    for index, run in enumerate(runs):
        colour = run_colour(index)
        points = progress(run)
        # The best-so-far line starts at the start network: 0 children trained, at time 0.
        start = run.start_trial()
        origin = [] if start is None else [100 * (start.validation_accuracy or 0.0)]
        counts = [0] * len(origin) + [p.networks for p in points]
        times = [0.0] * len(origin) + [p.seconds / divisor for p in points]
        best = origin + [100 * p.best_so_far for p in points]
        accuracies = [100 * p.accuracy for p in points]
        by_count.step(counts, best, where="post", color=colour, label=run.name)
        by_count.scatter([p.networks for p in points], accuracies, s=10, color=colour, alpha=0.35)
        by_time.step(times, best, where="post", color=colour, label=run.name)
        by_time.scatter([p.seconds / divisor for p in points], accuracies, s=10, color=colour, alpha=0.35)
        per_episode = episode_accuracy(run)
        episodes = list(per_episode)
        by_episode.plot(episodes, [100 * per_episode[e][1] for e in episodes], "o-", color=colour, ms=3, label=run.name)
        by_episode.plot(episodes, [100 * per_episode[e][0] for e in episodes], "--", color=colour, alpha=0.6)
    by_count.set(xlabel="networks trained (children)", ylabel=ACCURACY_LABEL, title="best so far (line), each child")
    by_time.set(xlabel=f"wall-clock time since the run started ({unit})", ylabel=ACCURACY_LABEL, title="against time")
    by_episode.set(xlabel="episode", ylabel=ACCURACY_LABEL, title="per episode: best (solid), mean (dashed)")
    by_count.legend(loc="lower right")
    figure.tight_layout()
    return png_bytes(figure)


def controller_figure(run: RunData) -> bytes | None:
    """Mean reward, REINFORCE baseline and policy entropy per episode; None when no episode statistics
    were recorded. Panels whose statistic the strategy has not (no controller) say so."""
    if not run.episodes:
        return None
    plt = pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(13, 3.2))
    panels = (
        ("mean_reward", "reward (unitless)", "mean reward of the episode's children"),
        ("baseline", "baseline (reward units)", "REINFORCE baseline after the update"),
        ("entropy", "entropy (nats per child)", "policy entropy, summed over decisions"),
    )
    for axis, (key, label, title) in zip(axes, panels, strict=True):
        episodes, values = episode_series(run, key)
        if values:
            axis.plot(episodes, values, "o-", ms=3, color=run_colour(0))
        else:
            axis.text(
                0.5,
                0.5,
                f"not recorded\n(strategy {run.strategy})",
                ha="center",
                va="center",
                transform=axis.transAxes,
                color="grey",
            )
        axis.set(xlabel="episode", ylabel=label, title=title)
    figure.tight_layout()
    return png_bytes(figure)


def pareto_figure(run: RunData) -> bytes:
    """Validation accuracy against parameters and against FLOPs for every evaluated network, the
    Pareto front joined, the start network and the best one marked."""
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    trials = run.evaluated()
    start, best = run.start_trial(), run.best()
    for axis, cost, label in zip(axes, ("parameters", "flops"), ("parameters", "FLOPs per image"), strict=True):
        costed = [t for t in trials if getattr(t, cost) is not None]
        axis.scatter(
            [getattr(t, cost) for t in costed],
            [100 * (t.validation_accuracy or 0.0) for t in costed],
            s=14,
            color=run_colour(0),
            alpha=0.5,
            label="evaluated network",
        )
        front = pareto_front(costed, cost)
        axis.step(
            [getattr(t, cost) for t in front],
            [100 * (t.validation_accuracy or 0.0) for t in front],
            where="post",
            color=FRONT_COLOUR,
            lw=1.2,
        )
        axis.scatter(
            [getattr(t, cost) for t in front],
            [100 * (t.validation_accuracy or 0.0) for t in front],
            s=30,
            facecolors="none",
            edgecolors=FRONT_COLOUR,
            label="Pareto front",
        )
        for trial, name, marker, colour in ((start, "start network", "s", "black"), (best, "best", "*", BEST_COLOUR)):
            if trial is not None and getattr(trial, cost) is not None:
                axis.scatter(
                    [getattr(trial, cost)],
                    [100 * (trial.validation_accuracy or 0.0)],
                    s=90,
                    marker=marker,
                    color=colour,
                    label=name,
                    zorder=3,
                )
        axis.set_xscale("log")
        axis.set(xlabel=f"{label} (log scale)", ylabel=ACCURACY_LABEL, title=f"accuracy against {label}")
    axes[0].legend(loc="lower right")
    figure.tight_layout()
    return png_bytes(figure)


def edits_figure(counts: dict[str, EditCounts]) -> bytes | None:
    """Heat maps of widen edits per layer and deepen edits per block and kernel, over episodes; None
    when the run has no child edits."""
    shown = [item for item in counts.values() if item.total()]
    if not shown:
        return None
    plt = pyplot()
    height = max(2.6, 0.28 * max(len(item.sites) for item in shown) + 1.4)
    figure, axes = plt.subplots(1, len(shown), figsize=(6.5 * len(shown), height), squeeze=False)
    for axis, item in zip(axes[0], shown, strict=True):
        _heat_map(figure, axis, item)
    figure.tight_layout()
    return png_bytes(figure)


def _heat_map(figure: Any, axis: Any, item: EditCounts) -> None:
    grid = [[item.counts.get((site, episode), 0) for episode in item.episodes] for site in item.sites]
    image = axis.imshow(grid, aspect="auto", cmap="Blues", interpolation="nearest", vmin=0)
    axis.set_yticks(range(len(item.sites)), item.sites)
    step = max(1, len(item.episodes) // 12)
    ticks = list(range(0, len(item.episodes), step))
    axis.set_xticks(ticks, [str(item.episodes[i]) for i in ticks])
    axis.grid(False)
    where = "layer (block, position in block)" if item.kind == "widen" else "block (and kernel) of the new layer"
    axis.set(xlabel="episode", ylabel=where, title=f"{item.kind} edits ({item.total()} in all)")
    figure.colorbar(image, ax=axis, label="edits per episode")
