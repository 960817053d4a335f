"""The uniform edit sampler of random search and hill climbing: always legal, varied, within max_params."""

from __future__ import annotations

import random

from eas.search.sampling import sample_uniform_edits
from eas.spec import WIDEN, ActionSpace, NetSpec, apply_edit, edited_spec

SPEC = NetSpec.parse("conv-8-3 pool conv-16-3 gap fc-16", (1, 12, 12), 4)


def test_uniform_edits_are_always_legal_and_vary() -> None:
    space = ActionSpace(filter_widths=(8, 12, 16, 24), unit_widths=(16, 32), max_layers_per_block=3)
    rng = random.Random(0)
    seen = set()
    for _ in range(200):
        edits = sample_uniform_edits(SPEC, space, 2, 3, rng)
        spec = SPEC
        for edit in edits:
            if edit.kind == WIDEN:
                assert space.widen_mask(spec)[edit.index]
                assert edit.value == space.next_width(spec.layers[edit.index])
            else:
                targets = {(t.after, t.kernels) for t in space.deepen_targets(spec)}
                matching = [kernels for after, kernels in targets if after == edit.index]
                assert matching, f"{edit} is not a deepen target of {spec.to_string()}"
                assert (edit.value in matching[0]) if matching[0] else edit.value == 0
            spec = apply_edit(spec, edit)
        seen.add(spec.to_string())
    assert len(seen) > 20


def test_uniform_edits_respect_max_params() -> None:
    space = ActionSpace(filter_widths=(8, 12, 16, 24), unit_widths=(16, 32), max_params=SPEC.num_params() + 600)
    rng = random.Random(1)
    for _ in range(50):
        spec = edited_spec(SPEC, sample_uniform_edits(SPEC, space, 3, 2, rng))
        assert spec.num_params() <= space.max_params


def test_the_same_rng_state_gives_the_same_edits() -> None:
    space = ActionSpace(filter_widths=(8, 12, 16, 24), unit_widths=(16, 32))
    first = sample_uniform_edits(SPEC, space, 2, 2, random.Random(7))
    assert first == sample_uniform_edits(SPEC, space, 2, 2, random.Random(7))
