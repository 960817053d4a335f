"""The uniform edit sampler: the controller's action structure with every choice uniform.

It is the policy of the random-search baseline and the mutation of hill climbing.
"""

from __future__ import annotations

import random

from eas.spec import ActionSpace, Edit, Spec, apply_edit


def sample_uniform_edits(
    spec: Spec, space: ActionSpace, num_wider: int, num_deeper: int, rng: random.Random
) -> list[Edit]:
    """Each wider step widens every allowed layer with probability 1/2; each deeper step picks a block,
    then a position in it, then a kernel, uniformly among the allowed ones. A DenseNet child ends with
    its transitions widened back to the space's compression, as the controller's children do."""
    edits: list[Edit] = []
    for _ in range(num_wider):
        for index in range(len(spec.layers)):
            # The mask is read again after every widening because max_params may now forbid more.
            width = space.next_width(spec.layers[index])
            if space.widen_mask(spec)[index] and width is not None and rng.random() < 0.5:
                edit = Edit.widen(index, width)
                spec = apply_edit(spec, edit)
                edits.append(edit)
    for _ in range(num_deeper):
        targets = space.deepen_targets(spec)
        if not targets:
            break
        block = rng.choice(sorted({target.block for target in targets}))
        target = rng.choice([target for target in targets if target.block == block])
        edit = Edit.deepen(target.after, rng.choice(target.kernels) if target.kernels else None)
        spec = apply_edit(spec, edit)
        edits.append(edit)
    return edits + space.closing_edits(spec)
