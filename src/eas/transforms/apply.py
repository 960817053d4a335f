"""`apply_edits`: a list of edits applied to spec and weights, the one way every caller grows a network.

The search's child evaluation and `eas grow` both come here, so the same edits, seed and calibration
batch give the same weights whichever of them asked. Inserted layers get their data-based BatchNorm
identity once all edits are done, as EAS does after an episode's actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from eas.spec import WIDEN, Edit, NetSpec, Spec
from eas.transforms.calibrate import calibrate
from eas.transforms.deeper import DEFAULT_DEEPEN_NOISE, deepen
from eas.transforms.state import StateDict
from eas.transforms.wider import DEFAULT_WIDEN_NOISE, widen


@dataclass(frozen=True)
class EditedNetwork:
    """The result of `apply_edits`: the new spec and weights, and the ids of the inserted layers."""

    spec: Spec
    state: StateDict
    inserted: tuple[int, ...]


def apply_edits(
    spec: Spec,
    state: StateDict,
    edits: list[Edit] | tuple[Edit, ...],
    *,
    generator: torch.Generator,
    calibration: torch.Tensor | None = None,
    widen_noise: float = DEFAULT_WIDEN_NOISE,
    deepen_noise: float = DEFAULT_DEEPEN_NOISE,
) -> EditedNetwork:
    """Apply `edits` in order with the function-preserving transforms; inputs are never modified.

    With `calibration` (a normalised batch of training images, N >= 2) the inserted layers' BatchNorms
    are set from data after the last edit (see `calibrate`); without it they are eval-mode identities.
    A DenseNet's copied miniblocks are exact in train mode already and need no calibration.
    """
    inserted: list[int] = []
    for edit in edits:
        if edit.kind == WIDEN:
            spec, state = widen(spec, state, edit.index, edit.value, noise=widen_noise, generator=generator)
        else:
            spec, state = deepen(
                spec, state, edit.index, kernel_size=edit.value, noise=deepen_noise, generator=generator
            )
            inserted.append(spec.layers[edit.index + 1].layer_id)
    if inserted and calibration is not None and isinstance(spec, NetSpec):
        state = calibrate(spec, state, inserted, calibration)
    return EditedNetwork(spec, state, tuple(inserted))
