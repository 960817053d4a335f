"""Actions as data, applied to specs and weights, and the uniform random policy."""

from __future__ import annotations

import random

import pytest
import torch

from eas.build import build_model
from eas.search.actions import DEEPEN, WIDEN, Action, apply_to_spec, apply_to_weights, sample_uniform_actions
from eas.spec import ActionSpace, NetSpec
from eas.transforms import check_preserved

SPEC = NetSpec.parse("conv-8-3 pool conv-16-3 gap fc-16", (1, 12, 12), 4)


def test_action_json_round_trip_and_validation() -> None:
    action = Action(DEEPEN, 2, 5)
    assert Action.from_json(action.to_json()) == action
    with pytest.raises(ValueError, match="action kind"):
        Action("shrink", 0, 1)


def test_apply_to_spec_and_weights_agree_and_preserve_the_function() -> None:
    torch.manual_seed(0)
    state = build_model(SPEC).state_dict()
    actions = [Action(WIDEN, 0, 12), Action(DEEPEN, 2, 3), Action(DEEPEN, 5, 0), Action(WIDEN, 3, 24)]
    spec_only = apply_to_spec(SPEC, actions)
    assert spec_only.to_string() == "conv-12-3 pool conv-16-3 conv-24-3 gap fc-16 fc-16"
    generator = torch.Generator().manual_seed(0)
    spec, new_state, inserted = apply_to_weights(
        SPEC, state, actions, widen_noise=0.0, deepen_noise=0.0, generator=generator
    )
    assert spec == spec_only
    assert inserted == [spec.layers[3].layer_id, spec.layers[6].layer_id]
    inputs = torch.randn(6, 1, 12, 12)
    assert check_preserved(SPEC, state, spec, new_state, inputs) < 1e-4


def test_uniform_actions_are_always_legal_and_vary() -> None:
    space = ActionSpace(filter_widths=(8, 12, 16, 24), unit_widths=(16, 32), max_layers_per_block=3)
    rng = random.Random(0)
    seen = set()
    for _ in range(200):
        actions = sample_uniform_actions(SPEC, space, 2, 3, rng)
        spec = SPEC
        for action in actions:
            if action.kind == WIDEN:
                assert space.widen_mask(spec)[action.index]
                assert action.value == space.next_width(spec.layers[action.index])
            else:
                targets = {(t.after, t.kernels) for t in space.deepen_targets(spec)}
                matching = [kernels for after, kernels in targets if after == action.index]
                assert matching, f"{action} is not a deepen target of {spec.to_string()}"
                assert (action.value in matching[0]) if matching[0] else action.value == 0
            spec = apply_to_spec(spec, [action])
        seen.add(spec.to_string())
    assert len(seen) > 20


def test_uniform_actions_respect_max_params() -> None:
    space = ActionSpace(filter_widths=(8, 12, 16, 24), unit_widths=(16, 32), max_params=SPEC.num_params() + 600)
    rng = random.Random(1)
    for _ in range(50):
        spec = apply_to_spec(SPEC, sample_uniform_actions(SPEC, space, 3, 2, rng))
        assert spec.num_params() <= space.max_params
