"""`apply_edits`: spec and weights agree with the spec-only path, the function is preserved, inserted
layers are calibrated when a batch is given, and the inputs are never modified."""

from __future__ import annotations

import torch

from eas.build import build_model
from eas.spec import Edit, NetSpec, edited_spec
from eas.transforms import apply_edits, check_preserved
from tests.transforms.helpers import logits

SPEC = NetSpec.parse("conv-8-3 pool conv-16-3 gap fc-16", (1, 12, 12), 4)
EDITS = (Edit.widen(0, 12), Edit.deepen(2, 3), Edit.deepen(5, None), Edit.widen(3, 24))


def test_spec_and_weights_agree_and_the_function_is_preserved() -> None:
    state = build_model(SPEC, seed=0).state_dict()
    before = {key: value.clone() for key, value in state.items()}
    edited = apply_edits(
        SPEC, state, EDITS, generator=torch.Generator().manual_seed(0), widen_noise=0.0, deepen_noise=0.0
    )
    assert edited.spec == edited_spec(SPEC, EDITS)
    assert edited.spec.to_string() == "conv-12-3 pool conv-16-3 conv-24-3 gap fc-16 fc-16"
    assert edited.inserted == (edited.spec.layers[3].layer_id, edited.spec.layers[6].layer_id)
    inputs = torch.randn(6, 1, 12, 12)
    assert check_preserved(SPEC, state, edited.spec, edited.state, inputs) < 1e-5
    assert all(torch.equal(state[key], before[key]) for key in state)


def test_a_calibration_batch_makes_inserted_layers_identities_in_train_mode() -> None:
    state = build_model(SPEC, seed=1).state_dict()
    batch = 1.0 + torch.randn(16, 1, 12, 12, generator=torch.Generator().manual_seed(2))
    plain = apply_edits(
        SPEC, state, EDITS, generator=torch.Generator().manual_seed(0), widen_noise=0.0, deepen_noise=0.0
    )
    calibrated = apply_edits(
        SPEC,
        state,
        EDITS,
        generator=torch.Generator().manual_seed(0),
        calibration=batch,
        widen_noise=0.0,
        deepen_noise=0.0,
    )
    reference = logits(SPEC, state, batch, train=True)
    calibrated_error = float((logits(calibrated.spec, calibrated.state, batch, train=True) - reference).abs().max())
    plain_error = float((logits(plain.spec, plain.state, batch, train=True) - reference).abs().max())
    assert calibrated_error < 1e-3 < plain_error


def test_the_same_seed_gives_the_same_noisy_weights() -> None:
    state = build_model(SPEC, seed=0).state_dict()
    first, second, other = (
        apply_edits(SPEC, state, EDITS, generator=torch.Generator().manual_seed(seed)) for seed in (3, 3, 4)
    )
    assert all(torch.equal(first.state[key], second.state[key]) for key in first.state)
    assert any(not torch.equal(first.state[key], other.state[key]) for key in first.state)
