"""Terminal view of a running search: progress bars (episode, child, epoch) and a table per episode."""

from __future__ import annotations

import math
import sys
from typing import Any

from tqdm import tqdm

from eas.cli.common import EpochBar
from eas.search.episode import cut_episode_note


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "   -  "
    return f"{100 * value:6.2f}"


class SearchView:
    """Receives the search's events and draws them on stderr (tables go to stdout)."""

    def __init__(self, episodes: int | None) -> None:
        self.episodes = tqdm(total=episodes, desc="episodes", position=0, file=sys.stderr, unit="ep", disable=None)
        self.children: tqdm | None = None
        self.steps = EpochBar(position=2)
        self.header_printed = False

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        handler = getattr(self, f"on_{kind}", None)
        if handler is not None:
            handler(payload)

    def on_start_training(self, payload: dict[str, Any]) -> None:
        seconds = payload.get("time_budget")
        length = f"{payload['epochs']} epochs" if seconds is None else f"{seconds:.0f} s"
        tqdm.write(f"training the start network {payload['arch']} for {length}", file=sys.stderr)

    def on_start_ready(self, payload: dict[str, Any]) -> None:
        self._close_steps()
        accuracy = 100 * payload["validation_accuracy"]
        tqdm.write(f"start network {payload['arch']}: validation {accuracy:.2f}% ({payload['origin']})")

    def on_stage_training(self, payload: dict[str, Any]) -> None:
        tqdm.write(f"stage {payload['stage']}: training the best network {payload['arch']} longer", file=sys.stderr)

    def on_stage_start(self, payload: dict[str, Any]) -> None:
        self._close_steps()
        accuracy = 100 * (payload["accuracy"] or 0.0)
        source = "the start network" if payload["trial_id"] is None else f"trial {payload['trial_id']}"
        tqdm.write(f"stage {payload['stage']}: restarting from {source} {payload['arch']} ({accuracy:.2f}%)")

    def on_final_training(self, payload: dict[str, Any]) -> None:
        self.close()
        seconds = payload.get("seconds")
        length = "" if seconds is None else f" for the {seconds:.0f} s left"
        tqdm.write(
            f"final training of trial {payload['trial_id']} {payload['arch']} on training + validation images{length}",
            file=sys.stderr,
        )

    def on_episode_start(self, payload: dict[str, Any]) -> None:
        if self.children is not None:
            self.children.close()
        self.children = tqdm(
            total=payload["trials"],
            desc=f"episode {payload['episode']}",
            position=1,
            leave=False,
            file=sys.stderr,
            disable=None,
        )

    def on_trial_end(self, payload: dict[str, Any]) -> None:
        self._close_steps()
        if self.children is not None:
            trial = payload["trial"]
            self.children.set_postfix(last=_percent(trial.validation_accuracy).strip(), cached=str(payload["cached"]))
            self.children.update(1)

    def on_progress(self, payload: dict[str, Any]) -> None:
        self.steps(payload["progress"], label=f"{payload['label']} ")

    def on_episode_end(self, row: dict[str, Any]) -> None:
        self._close_episode_bars()
        if not self.header_printed:
            columns = f"{'ep':>3} {'nets':>4} {'mean%':>6} {'max%':>6} {'reward':>7} {'baseline':>8} {'best%':>6}"
            tqdm.write(f"{columns}  best architecture")
            self.header_printed = True
        baseline = row.get("baseline")
        baseline_text = f"{baseline:8.3f}" if isinstance(baseline, float) else f"{'-':>8}"
        tqdm.write(
            f"{row['episode']:>3} {row['networks']:>4} "
            f"{_percent(row['mean_accuracy'])} {_percent(row['max_accuracy'])} "
            f"{row['mean_reward']:7.3f} {baseline_text} {_percent(row['best_accuracy'])}  {row['best_arch']}"
        )
        self._write_twin(row)
        self.episodes.update(1)

    def on_episode_cut(self, payload: dict[str, Any]) -> None:
        # The budget ended the episode part-way: it has no row, but what growth gained over the twin
        # among the children that finished is what a one-episode search was run to learn.
        self._close_episode_bars()
        self._write_twin(payload, cut_episode_note(payload["scored"], payload["children"]))

    def _close_episode_bars(self) -> None:
        self._close_steps()
        if self.children is not None:
            self.children.close()
            self.children = None

    def _write_twin(self, figures: dict[str, Any], note: str = "") -> None:
        if isinstance(figures.get("growth_gain"), float):
            tqdm.write(
                f"    the stage's start fine-tuned unchanged (parent_twin): "
                f"{_percent(figures['twin_accuracy']).strip()}; this episode's best child "
                f"{100 * figures['growth_gain']:+.2f} points{note}"
            )

    def on_stopped(self, payload: dict[str, Any]) -> None:
        self.close()
        tqdm.write(f"search stopped: {payload['reason']}", file=sys.stderr)

    def close(self) -> None:
        """Close every bar."""
        self._close_episode_bars()
        self.episodes.close()

    def _close_steps(self) -> None:
        self.steps.close()


class EventReceivers:
    """Several receivers of the search's events as one: each gets every event, in order; `close()`
    closes each (the progress view and, with `--tensorboard`, the TensorBoard log)."""

    def __init__(self, *receivers: Any) -> None:
        self.receivers = receivers

    def __call__(self, kind: str, payload: dict[str, Any]) -> None:
        for receiver in self.receivers:
            receiver(kind, payload)

    def close(self) -> None:
        """Close every receiver, even when one of them fails to close."""
        errors = []
        for receiver in self.receivers:
            try:
                receiver.close()
            except Exception as error:  # the others still flush what they hold
                errors.append(error)
        if errors:
            raise errors[0]
