"""Property tests: random mixes of widen and deepen over many generated networks preserve the function.

Only a numerical test over many architectures catches the silent Net2Net bugs listed in EAS.md
(random new units, in-place edits, off-centre identity taps, BN statistics of one channel only).
"""

from __future__ import annotations

import torch
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from eas.spec import NetSpec
from eas.transforms import calibrate, check_preserved, deepen, widen
from eas.transforms.state import StateDict
from tests.transforms.helpers import logits, net_specs, random_state

RELATIVE_TOLERANCE = 1e-5
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def apply_random_actions(
    data: st.DataObject, spec: NetSpec, state: StateDict, generator: torch.Generator, noise: float = 0.0
) -> tuple[NetSpec, StateDict, list[int]]:
    """1-6 widen or deepen actions on random conv and fc layers; returns the ids of inserted layers."""
    inserted: list[int] = []
    for _ in range(data.draw(st.integers(1, 6), label="action count")):
        weighted = [index for index, layer in enumerate(spec.layers) if layer.is_weighted]
        index = data.draw(st.sampled_from(weighted), label="layer index")
        if data.draw(st.booleans(), label="widen?"):
            width = spec.layers[index].width + data.draw(st.integers(1, 8), label="extra units")
            note(f"widen layer {index} ({spec.layers[index].token()}) to {width}")
            spec, state = widen(spec, state, index, width, noise=noise, generator=generator)
        else:
            kernel = data.draw(st.sampled_from((1, 3, 5)), label="kernel")
            note(f"deepen after {index} ({spec.layers[index].token()}) with kernel {kernel}")
            spec, state = deepen(spec, state, index, kernel_size=kernel, noise=noise, generator=generator)
            inserted.append(spec.layers[index + 1].layer_id)
    return spec, state, inserted


def relative_difference(spec_a: NetSpec, state_a: StateDict, spec_b: NetSpec, state_b: StateDict, inputs) -> float:
    difference = check_preserved(spec_a, state_a, spec_b, state_b, inputs)
    scale = max(1.0, float(logits(spec_a, state_a, inputs).abs().max()))
    return difference / scale


@PROPERTY_SETTINGS
@given(spec=net_specs(), seed=st.integers(0, 2**31 - 1), batch=st.sampled_from((1, 5)), data=st.data())
def test_random_actions_preserve_eval_logits(spec: NetSpec, seed: int, batch: int, data: st.DataObject) -> None:
    generator = torch.Generator().manual_seed(seed)
    state = random_state(spec, generator)
    inputs = torch.randn(batch, *spec.input_shape, generator=generator)
    new_spec, new_state, _ = apply_random_actions(data, spec, state, generator)
    note(f"{spec.to_string()} -> {new_spec.to_string()}")
    assert relative_difference(spec, state, new_spec, new_state, inputs) <= RELATIVE_TOLERANCE


@PROPERTY_SETTINGS
@given(spec=net_specs(), seed=st.integers(0, 2**31 - 1), data=st.data())
def test_calibrated_actions_preserve_eval_and_train_logits(spec: NetSpec, seed: int, data: st.DataObject) -> None:
    """EAS calibrates every inserted layer once the episode's actions are done: the network is then
    unchanged in eval mode, and in train mode on the calibration batch (widen preserves both)."""
    generator = torch.Generator().manual_seed(seed)
    state = random_state(spec, generator)
    # A non-zero mean, as images have, makes an uncalibrated BN far from an identity in train mode.
    inputs = 1.0 + torch.randn(5, *spec.input_shape, generator=generator)
    new_spec, new_state, inserted = apply_random_actions(data, spec, state, generator)
    new_state = calibrate(new_spec, new_state, inserted, inputs)
    note(f"{spec.to_string()} -> {new_spec.to_string()}, calibrated {inserted}")
    assert relative_difference(spec, state, new_spec, new_state, inputs) <= RELATIVE_TOLERANCE
    before = logits(spec, state, inputs, train=True)
    after = logits(new_spec, new_state, inputs, train=True)
    assert float((before - after).abs().max()) <= 1e-3 * max(1.0, float(before.abs().max()))
