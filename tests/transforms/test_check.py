"""Tests of `check_preserved` and the model/input helpers of `eas.transforms.check`."""

from __future__ import annotations

import pytest
import torch

from eas.spec import NetSpec
from eas.transforms import calibrate, check_preserved, deepen, widen
from eas.transforms.check import load_model
from tests.transforms.helpers import assert_states_equal, clone_state, logits, random_state

SPEC = NetSpec.parse("conv-4-3 pool conv-6-1 gap fc-5", (2, 9, 7), 3)


@pytest.fixture
def state() -> dict[str, torch.Tensor]:
    return random_state(SPEC, torch.Generator().manual_seed(1))


def inputs(batch: int = 4) -> torch.Tensor:
    return torch.randn(batch, 2, 9, 7, generator=torch.Generator().manual_seed(2))


def test_same_network_is_zero(state) -> None:
    assert check_preserved(SPEC, state, SPEC, state, inputs(1)) == 0.0


def test_difference_is_the_max_logit_difference(state) -> None:
    other = clone_state(state)
    other["classifier.bias"] = other["classifier.bias"] + torch.tensor([0.0, 0.25, -0.5])
    assert check_preserved(SPEC, state, SPEC, other, inputs()) == pytest.approx(0.5, abs=1e-6)


def test_uses_eval_mode_and_float32(state) -> None:
    doubled = {key: value.double() if value.is_floating_point() else value for key, value in state.items()}
    before = clone_state(doubled)
    # Float64 weights against their float32 originals: equal after the float32 cast.
    assert check_preserved(SPEC, state, SPEC, doubled, inputs().double()) == 0.0
    assert_states_equal(doubled, before)


def test_load_model_matches_build_model(state) -> None:
    model = load_model(SPEC, state).eval()
    with torch.no_grad():
        assert torch.equal(model(inputs()), logits(SPEC, state, inputs()))


def test_errors(state) -> None:
    with pytest.raises(ValueError, match="shape"):
        check_preserved(SPEC, state, SPEC, state, torch.ones(4, 2, 9))
    with pytest.raises(ValueError, match="floating point"):
        check_preserved(SPEC, state, SPEC, state, torch.ones(4, 2, 9, 7, dtype=torch.int32))
    other_spec = NetSpec.parse("conv-4-3 pool conv-6-1 gap fc-5", (2, 9, 7), 4)
    other_state = random_state(other_spec, torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="classes"):
        check_preserved(SPEC, state, other_spec, other_state, inputs())
    with pytest.raises(ValueError, match="shape"):
        check_preserved(SPEC, state, SPEC, other_state, inputs())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_transforms_on_cuda_state(state) -> None:
    cuda_state = {key: value.cuda() for key, value in state.items()}
    batch = inputs()
    spec, new_state = widen(SPEC, cuda_state, 0, 9, noise=0, generator=torch.Generator().manual_seed(0))
    spec, new_state = deepen(spec, new_state, 2, kernel_size=5, noise=0)
    new_state = calibrate(spec, new_state, [spec.layers[3].layer_id], batch)
    assert all(value.is_cuda for value in new_state.values())
    assert check_preserved(SPEC, state, spec, new_state, batch) <= 1e-5
