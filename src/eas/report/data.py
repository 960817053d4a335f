"""What a report shows, read from a run directory: trials with their finish times, episode statistics,
final test metrics, and the figures derived from them (progress, Pareto front, lineage, top networks).

Plain data only; plotting and document writing live in their own modules.
"""

from __future__ import annotations

import ast
import json
import math
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eas.evaluation.status import OK
from eas.search.loop import EPISODE_META_PREFIX
from eas.search.run import SearchRun
from eas.search.trial import START_EPISODE, Trial

# `episode 3: {...}` lines that the search writes to search.log (read for runs stored before the store
# kept episode rows itself).
_EPISODE_LINE = re.compile(r"eas\.search: episode (\d+): (\{.*\})\s*$")
# Python writes float('nan') and float('inf') as bare words, which `ast.literal_eval` does not accept.
_BARE_FLOAT = re.compile(r"(?<=: )(-?)(nan|inf)(?=[,}])")


@dataclass(frozen=True)
class RunData:
    """One run as the report sees it: `finished_seconds[trial_id]` is when the trial finished, counted
    from the moment the run stored its first trial (wall-clock, pauses of a resumed run included)."""

    name: str
    root: Path
    strategy: str
    trials: tuple[Trial, ...]
    finished_seconds: dict[int, float]
    episodes: tuple[dict[str, Any], ...]
    final: dict[str, Any] | None = None
    config: dict[str, Any] = field(default_factory=dict)

    def trial(self, trial_id: int) -> Trial:
        """The trial with this id (`KeyError` when the run has none)."""
        for trial in self.trials:
            if trial.trial_id == trial_id:
                return trial
        raise KeyError(f"{self.name} has no trial {trial_id}")

    def evaluated(self) -> list[Trial]:
        """Successful trials with an accuracy, each architecture-and-parent trained once (cache hits left out)."""
        return [
            t for t in self.trials if t.status == OK and t.validation_accuracy is not None and t.cached_from is None
        ]

    def start_trial(self) -> Trial | None:
        """The run's start network (episode -1, slot 0), or None if it never finished."""
        for trial in self.trials:
            if trial.episode == START_EPISODE and trial.slot == 0 and trial.status == OK:
                return trial
        return None

    def best(self) -> Trial | None:
        """The most accurate evaluated trial (earliest on ties), or None."""
        ranked = top_trials(self, 1)
        return ranked[0] if ranked else None


@dataclass(frozen=True)
class ProgressPoint:
    """One trained child in finishing order: its accuracy, the best accuracy so far (start network
    included), how many children were trained up to it and the wall-clock seconds at its end."""

    networks: int
    seconds: float
    episode: int
    accuracy: float
    best_so_far: float


def load_run(path: str | Path, name: str | None = None) -> RunData:
    """Read a run directory; `FileNotFoundError`/`ValueError` name what is missing and how to get it."""
    run = SearchRun(path)
    trials = tuple(run.trials())
    if not any(t.status == OK and t.validation_accuracy is not None for t in trials):
        raise ValueError(
            f"{run.root} holds no evaluated network yet (its trial store has {len(trials)} trials, none finished); "
            "let `eas search --run-dir` run at least the start network, then report again"
        )
    final_path = run.directory.final_dir / "metrics.json"
    final = json.loads(final_path.read_text()) if final_path.is_file() else None
    episodes = _stored_episode_rows(run.directory.store_path) or _logged_episode_rows(run.directory.log_path)
    return RunData(
        name=name or run.root.name,
        root=run.root,
        strategy=run.config.strategy,
        trials=trials,
        finished_seconds=_finished_seconds(run.directory.store_path),
        episodes=episodes,
        final=final,
        config=run.config.to_dict(),
    )


def _read_only(path: Path) -> sqlite3.Connection:
    # Read-only, so a report never changes (or creates) a store a search may be writing.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)


def _finished_seconds(store_path: Path) -> dict[int, float]:
    """Seconds from the first trial's creation to each finished trial's end (the Trial record has no
    timestamps; the store keeps them in `created` and `finished`)."""
    connection = _read_only(store_path)
    try:
        rows = connection.execute("SELECT trial_id, created, finished FROM trials").fetchall()
    finally:
        connection.close()
    if not rows:
        return {}
    origin = min(created for _, created, _ in rows)
    return {trial_id: finished - origin for trial_id, _, finished in rows if finished is not None}


def _stored_episode_rows(store_path: Path) -> tuple[dict[str, Any], ...]:
    """Episode rows the search kept in the store's metadata (`episode/N`), in episode order."""
    connection = _read_only(store_path)
    try:
        rows = connection.execute("SELECT value FROM meta WHERE key LIKE ?", (EPISODE_META_PREFIX + "%",)).fetchall()
    finally:
        connection.close()
    parsed = [json.loads(value) for (value,) in rows]
    return tuple(sorted(parsed, key=lambda row: int(row["episode"])))


def _logged_episode_rows(log_path: Path) -> tuple[dict[str, Any], ...]:
    """Episode rows parsed from search.log; a resumed episode's last line wins."""
    if not log_path.is_file():
        return ()
    rows: dict[int, dict[str, Any]] = {}
    for line in log_path.read_text(errors="replace").splitlines():
        match = _EPISODE_LINE.search(line)
        if match is None:
            continue
        text = _BARE_FLOAT.sub(lambda m: f"{m.group(1)}1e999" if m.group(2) == "inf" else "None", match.group(2))
        try:
            row = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            continue  # a line cut short by a killed process
        if isinstance(row, dict):
            rows[int(match.group(1))] = row
    return tuple(rows[episode] for episode in sorted(rows))


def progress(run: RunData) -> list[ProgressPoint]:
    """Trained children in finishing order, with the best accuracy so far (the start network counts)."""
    start = run.start_trial()
    best = start.validation_accuracy if start is not None and start.validation_accuracy is not None else -math.inf
    children = [t for t in run.evaluated() if t.is_child and t.trial_id in run.finished_seconds]
    children.sort(key=lambda t: (run.finished_seconds[t.trial_id or 0], t.trial_id or 0))
    points = []
    for count, trial in enumerate(children, start=1):
        accuracy = float(trial.validation_accuracy or 0.0)
        best = max(best, accuracy)
        points.append(ProgressPoint(count, run.finished_seconds[trial.trial_id or 0], trial.episode, accuracy, best))
    return points


def episode_accuracy(run: RunData) -> dict[int, tuple[float, float]]:
    """(mean, max) validation accuracy of each episode's successful children, cache hits included
    (they are what the strategy was rewarded with)."""
    by_episode: dict[int, list[float]] = {}
    for trial in run.trials:
        if trial.is_child and trial.status == OK and trial.validation_accuracy is not None:
            by_episode.setdefault(trial.episode, []).append(trial.validation_accuracy)
    return {episode: (sum(values) / len(values), max(values)) for episode, values in sorted(by_episode.items())}


def episode_series(run: RunData, key: str) -> tuple[list[int], list[float]]:
    """(episodes, values) of one episode-row statistic (`mean_reward`, `baseline`, `entropy`, ...),
    leaving out episodes where it is missing or not a finite number."""
    episodes, values = [], []
    for row in run.episodes:
        value = row.get(key)
        if isinstance(value, int | float) and math.isfinite(value):
            episodes.append(int(row["episode"]))
            values.append(float(value))
    return episodes, values


def pareto_front(trials: list[Trial], cost: str) -> list[Trial]:
    """Trials no other trial beats on both accuracy (higher) and `cost` (`parameters` or `flops`,
    lower), from the cheapest up."""
    costed = [t for t in trials if getattr(t, cost) is not None and t.validation_accuracy is not None]
    costed.sort(key=lambda t: (getattr(t, cost), -(t.validation_accuracy or 0.0)))
    front: list[Trial] = []
    for trial in costed:
        if not front or (trial.validation_accuracy or 0.0) > (front[-1].validation_accuracy or 0.0):
            front.append(trial)
    return front


def lineage(run: RunData, trial: Trial) -> list[Trial]:
    """The parent chain from the run's start network to `trial` (start first). A child whose parent is
    None grew from the start network; a stage's start network points at the trial it copied."""
    chain = [trial]
    seen = {trial.trial_id}
    current = trial
    while current.parent_trial is not None and current.parent_trial not in seen:
        current = run.trial(current.parent_trial)
        seen.add(current.trial_id)
        chain.append(current)
    start = run.start_trial()
    if start is not None and start.trial_id not in seen:
        chain.append(start)
    return list(reversed(chain))


def top_trials(run: RunData, count: int) -> list[Trial]:
    """The `count` most accurate evaluated trials, one per architecture, earliest first on ties."""
    ranked = sorted(run.evaluated(), key=lambda t: (-(t.validation_accuracy or 0.0), t.trial_id or 0))
    chosen: list[Trial] = []
    seen: set[str] = set()
    for trial in ranked:
        if trial.arch not in seen:
            seen.add(trial.arch)
            chosen.append(trial)
        if len(chosen) == count:
            break
    return chosen
