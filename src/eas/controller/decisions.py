"""Recorded controller decisions (wider, deeper, episode), their JSON round trip and their replay.

A decision stores only the choices, never tensors in its JSON: the search keeps it in SQLite and,
after a crash, replays it from the start network to rebuild the spec and re-score it with grad.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from eas.spec import ActionSpace, DeepenTarget, Edit, Spec, apply_edit, edited_spec, spec_from_dict

WIDER = "wider"
DEEPER = "deeper"


@dataclass(frozen=True)
class WiderDecision:
    """Widen every layer in `layers` (indices into spec.layers) by one rung; may be empty."""

    layers: tuple[int, ...]
    log_prob: torch.Tensor | None = field(default=None, compare=False, repr=False)
    entropy: torch.Tensor | None = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = WIDER

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready choices (no tensors)."""
        return {"action": WIDER, "layers": list(self.layers)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WiderDecision:
        """Inverse of `to_dict` (log_prob and entropy are None until re-scored)."""
        _check_action(data, WIDER)
        return cls(tuple(int(index) for index in data["layers"]))


@dataclass(frozen=True)
class DeeperDecision:
    """Insert an identity layer after layer `after` (block `block`, position `position` inside it).

    `kernel_size` is None for an fc block. All fields None is the no-op recorded when the network
    has nowhere left to insert a layer.
    """

    block: int | None
    position: int | None
    after: int | None
    kernel_size: int | None
    log_prob: torch.Tensor | None = field(default=None, compare=False, repr=False)
    entropy: torch.Tensor | None = field(default=None, compare=False, repr=False)
    action: ClassVar[str] = DEEPER

    @property
    def is_noop(self) -> bool:
        """True when no layer was inserted because the network had no deepen target."""
        return self.block is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready choices (no tensors)."""
        return {
            "action": DEEPER,
            "block": self.block,
            "position": self.position,
            "after": self.after,
            "kernel_size": self.kernel_size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeeperDecision:
        """Inverse of `to_dict` (log_prob and entropy are None until re-scored)."""
        _check_action(data, DEEPER)
        values = [data.get(key) for key in ("block", "position", "after", "kernel_size")]
        block, position, after, kernel = (None if value is None else int(value) for value in values)
        return cls(block, position, after, kernel)


Decision = WiderDecision | DeeperDecision


def decision_from_dict(data: dict[str, Any]) -> Decision:
    """Rebuild a wider or deeper decision from its `to_dict` form."""
    action = data.get("action")
    if action == WIDER:
        return WiderDecision.from_dict(data)
    if action == DEEPER:
        return DeeperDecision.from_dict(data)
    raise ValueError(f"decision action {action!r} is unknown; expected {WIDER!r} or {DEEPER!r}")


def find_target(targets: Sequence[DeepenTarget], block: int | None, position: int | None) -> DeepenTarget | None:
    """The deepen target at (block, position), or None."""
    for target in targets:
        if target.block == block and target.position == position:
            return target
    return None


def decision_edits(spec: Spec, decision: Decision, action_space: ActionSpace) -> list[Edit]:
    """The edits that realise `decision` on `spec` (none for a no-op); a `ValueError` if the decision
    is not legal on `spec`. Edits are what the search applies to weights and stores.

    A wider decision widens its layers one at a time in index order. `widen_mask` checks
    `max_params` for each layer alone, so a layer whose widening would push the joint result past
    `max_params` is skipped: the budget is a hard cap, and the outcome depends only on (spec, layers).
    """
    if isinstance(decision, WiderDecision):
        return _wider_edits(spec, decision, action_space)
    targets = action_space.deepen_targets(spec)
    if decision.is_noop:
        if targets:
            raise ValueError(f"deeper no-op recorded, but {spec.to_string()!r} has {len(targets)} deepen targets")
        return []
    target = find_target(targets, decision.block, decision.position)
    if target is None or target.after != decision.after:
        raise ValueError(
            f"deeper decision {decision.to_dict()} is not a deepen target of {spec.to_string()!r}; "
            f"targets: {[(t.block, t.position, t.after) for t in targets]}"
        )
    expected_kernel = decision.kernel_size in target.kernels if target.kernels else decision.kernel_size is None
    if not expected_kernel:
        raise ValueError(f"deeper decision {decision.to_dict()}: kernel must be one of {target.kernels or (None,)}")
    return [Edit.deepen(target.after, decision.kernel_size)]


def apply_decision(spec: Spec, decision: Decision, action_space: ActionSpace) -> Spec:
    """The spec after `decision` (see `decision_edits`)."""
    return edited_spec(spec, decision_edits(spec, decision, action_space))


def decisions_to_edits(start_spec: Spec, decisions: Sequence[Decision], action_space: ActionSpace) -> list[Edit]:
    """The edits of a whole sampled episode, replayed from `start_spec`."""
    edits: list[Edit] = []
    spec = start_spec
    for decision in decisions:
        step = decision_edits(spec, decision, action_space)
        spec = edited_spec(spec, step)
        edits.extend(step)
    return edits + action_space.closing_edits(spec)


def replay_decisions(start_spec: Spec, decisions: Sequence[Decision], action_space: ActionSpace) -> Spec:
    """The spec after applying every decision in order from `start_spec`."""
    return edited_spec(start_spec, decisions_to_edits(start_spec, decisions, action_space))


def _wider_edits(spec: Spec, decision: WiderDecision, action_space: ActionSpace) -> list[Edit]:
    mask = action_space.widen_mask(spec)
    illegal = [index for index in decision.layers if not 0 <= index < len(mask) or not mask[index]]
    if illegal or len(set(decision.layers)) != len(decision.layers):
        raise ValueError(
            f"wider decision {list(decision.layers)} on {spec.to_string()!r}: layers {illegal} cannot widen "
            f"(allowed: {[index for index, allowed in enumerate(mask) if allowed]}; no repeats)"
        )
    edits: list[Edit] = []
    result = spec
    for index in sorted(decision.layers):
        width = action_space.next_width(result.layers[index])
        assert width is not None  # the mask above guarantees a rung above
        widened = apply_edit(result, Edit.widen(index, width))
        if action_space.max_params is not None and widened.num_params() > action_space.max_params:
            continue
        result = widened
        edits.append(Edit.widen(index, width))
    return edits


def _check_action(data: dict[str, Any], expected: str) -> None:
    if data.get("action") != expected:
        raise ValueError(f"expected a {expected!r} decision, got action {data.get('action')!r}")


@dataclass(frozen=True)
class Episode:
    """The decisions of one sampled child in order, from `start_spec` to `final_spec`."""

    start_spec: Spec
    decisions: tuple[Decision, ...]
    final_spec: Spec
    log_prob: torch.Tensor | None = field(default=None, compare=False, repr=False)
    entropy: torch.Tensor | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: both specs (with layer ids) and the decisions."""
        return {
            "start_spec": self.start_spec.to_dict(),
            "decisions": [decision.to_dict() for decision in self.decisions],
            "final_spec": self.final_spec.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        """Inverse of `to_dict` (log_prob and entropy are None until re-scored)."""
        return cls(
            spec_from_dict(data["start_spec"]),
            tuple(decision_from_dict(item) for item in data["decisions"]),
            spec_from_dict(data["final_spec"]),
        )
