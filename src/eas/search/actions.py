"""Actions as data (`("widen", layer, width)`, `("deepen", after, kernel)`), applied to specs and weights.

Strategies propose lists of actions; the child evaluation applies them to the parent's weights with
the function-preserving transforms. The uniform sampler here is the random-search baseline's policy:
the controller's action structure with every choice uniform.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from eas.spec import ActionSpace, NetSpec, insert_identity_layer, widen_layer

WIDEN = "widen"
DEEPEN = "deepen"


@dataclass(frozen=True)
class Action:
    """One transformation: widen layer `index` to `value` units, or deepen after `index` with kernel `value`
    (kernel 0 for an fc layer)."""

    kind: str
    index: int
    value: int

    def __post_init__(self) -> None:
        if self.kind not in (WIDEN, DEEPEN):
            raise ValueError(f"action kind must be {WIDEN!r} or {DEEPEN!r}, got {self.kind!r}")

    def to_json(self) -> list[object]:
        """[kind, index, value]."""
        return [self.kind, self.index, self.value]

    @classmethod
    def from_json(cls, data: list[object]) -> Action:
        """Inverse of `to_json`."""
        kind, index, value = data
        return cls(str(kind), int(index), int(value))  # type: ignore[call-overload]


def apply_to_spec(spec: NetSpec, actions: list[Action]) -> NetSpec:
    """The architecture after `actions` (no weights involved)."""
    for action in actions:
        if action.kind == WIDEN:
            spec = widen_layer(spec, action.index, action.value)
        else:
            spec = insert_identity_layer(spec, action.index, action.value or 3)
    return spec


def apply_to_weights(
    spec: NetSpec,
    state: dict[str, torch.Tensor],
    actions: list[Action],
    *,
    widen_noise: float,
    deepen_noise: float,
    generator: torch.Generator,
) -> tuple[NetSpec, dict[str, torch.Tensor], list[int]]:
    """Apply `actions` with the function-preserving transforms; also returns the ids of inserted layers
    (their BatchNorm is calibrated on data once all actions are done, as EAS does)."""
    from eas.transforms import deepen, widen

    inserted: list[int] = []
    for action in actions:
        if action.kind == WIDEN:
            spec, state = widen(spec, state, action.index, action.value, noise=widen_noise, generator=generator)
        else:
            kernel = action.value or 3
            spec, state = deepen(spec, state, action.index, kernel_size=kernel, noise=deepen_noise, generator=generator)
            inserted.append(spec.layers[action.index + 1].layer_id)
    return spec, state, inserted


def sample_uniform_actions(
    spec: NetSpec, space: ActionSpace, num_wider: int, num_deeper: int, rng: random.Random
) -> list[Action]:
    """Random-search policy: each wider step widens every allowed layer with probability 1/2; each deeper
    step picks a block, then a position in it, then a kernel, uniformly among the allowed ones."""
    actions: list[Action] = []
    for _ in range(num_wider):
        for index in range(len(spec.layers)):
            # The mask is read again after every widening because max_params may now forbid more.
            width = space.next_width(spec.layers[index])
            if space.widen_mask(spec)[index] and width is not None and rng.random() < 0.5:
                action = Action(WIDEN, index, width)
                spec = apply_to_spec(spec, [action])
                actions.append(action)
    for _ in range(num_deeper):
        targets = space.deepen_targets(spec)
        if not targets:
            break
        block = rng.choice(sorted({target.block for target in targets}))
        target = rng.choice([target for target in targets if target.block == block])
        kernel = rng.choice(target.kernels) if target.kernels else 0
        action = Action(DEEPEN, target.after, kernel)
        spec = apply_to_spec(spec, [action])
        actions.append(action)
    return actions
