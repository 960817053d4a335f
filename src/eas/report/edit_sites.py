"""Where a strategy acted: each stored edit of each child named by the place it changed (block and
position for a widen, block and kernel for a deepen), counted per episode.

Edit indices are positions in the spec the edit was applied to, which earlier edits of the same trial
may have shifted; replaying the trial's edits from its parent keeps every name right.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from eas.search.trial import Trial
from eas.spec import DEEPEN, WIDEN, DenseNetSpec, Edit, NetSpec, Spec, apply_edit, parse_spec
from eas.spec.dense import STEM, TRANSITION
from eas.spec.layers import FC


@dataclass(frozen=True)
class EditCounts:
    """`counts[(site, episode)]` edits of one kind; `sites` in network order, `episodes` ascending."""

    kind: str
    sites: tuple[str, ...]
    episodes: tuple[int, ...]
    counts: dict[tuple[str, int], int]

    def total(self) -> int:
        """Number of edits counted."""
        return sum(self.counts.values())


def edit_site(spec: Spec, edit: Edit) -> tuple[tuple[int, int, int], str]:
    """(sort key, name) of the place `edit` changes in `spec`: `block 1 layer 0`, `fc layer 0`, `block 2 k=3`,
    `fc block`; in a DenseNet `stem`, `block 0 unit 1`, `transition 0`, `block 1 copy`."""
    if isinstance(spec, DenseNetSpec):
        return _dense_site(spec, edit)
    return _plain_site(spec, edit)


def _plain_site(spec: NetSpec, edit: Edit) -> tuple[tuple[int, int, int], str]:
    for block in spec.blocks():
        if edit.index in block.layer_indices:
            position = block.layer_indices.index(edit.index)
            is_fc = block.kind == FC
            if edit.kind == WIDEN:
                name = f"fc layer {position}" if is_fc else f"block {block.index} layer {position}"
                return (block.index, position, 0), name
            if is_fc:
                return (block.index, 0, 0), "fc block"
            return (block.index, edit.value, 0), f"block {block.index} k={edit.value}"
    raise ValueError(f"{edit.describe()} does not name a weighted layer of {spec.to_string()!r}")


def _dense_site(spec: DenseNetSpec, edit: Edit) -> tuple[tuple[int, int, int], str]:
    unit = spec.layers[edit.index]
    if unit.kind == STEM:
        return (-1, 0, 0), "stem"
    block = spec.block_of(edit.index)
    if unit.kind == TRANSITION:
        # A transition produces the next block's features; it sits between blocks index-1 and index.
        return (block.index - 1, 99, 0), f"transition {block.index - 1}"
    if edit.kind == DEEPEN:
        return (block.index, 0, 0), f"block {block.index} copy"
    position = block.miniblocks.index(edit.index)
    return (block.index, position, 0), f"block {block.index} unit {position}"


def _parent_spec(trial: Trial) -> Spec | None:
    """The spec the trial's edits start from (its input shape and classes are the child's)."""
    if trial.parent_arch is None:
        return None
    child = json.loads(trial.spec_json)
    shape = tuple(child.get("input_shape", (1, 28, 28)))
    return parse_spec(
        trial.parent_arch, (int(shape[0]), int(shape[1]), int(shape[2])), int(child.get("num_classes", 10))
    )


def count_edits(trials: list[Trial] | tuple[Trial, ...]) -> dict[str, EditCounts]:
    """Widen and deepen edits of every proposed child, by site and episode (`{"widen": ..., "deepen": ...}`).

    Every proposal counts, cache hits and failures too: they show what the strategy chose, not what
    trained well."""
    counters: dict[str, Counter[tuple[str, int]]] = {WIDEN: Counter(), DEEPEN: Counter()}
    order: dict[str, dict[str, tuple[int, int, int]]] = {WIDEN: {}, DEEPEN: {}}
    episodes: set[int] = set()
    for trial in trials:
        spec = _parent_spec(trial) if trial.is_child else None
        if spec is None:
            continue
        episodes.add(trial.episode)
        for edit in trial.edits:
            key, name = edit_site(spec, edit)
            counters[edit.kind][name, trial.episode] += 1
            order[edit.kind].setdefault(name, key)
            spec = apply_edit(spec, edit)
    result = {}
    for kind in (WIDEN, DEEPEN):
        ordered = sorted(order[kind].items(), key=lambda item: (item[1], item[0]))
        sites = tuple(name for name, _ in ordered)
        result[kind] = EditCounts(kind, sites, tuple(sorted(episodes)), dict(counters[kind]))
    return result
