"""DenseNet transforms: wider growth, copied miniblocks and transition widening preserve the function.

Property tests over generated DenseNets and random edit sequences (noise 0): eval-mode logits agree to
1e-5 x max(1, max |logit|), and so do train-mode logits, since copied channels have identical batch
statistics. Plus the weight surgery itself, noise, purity, stable names and errors.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from eas.spec import DenseNetSpec, Edit, apply_edit, parse_spec, transition_targets
from eas.spec.dense import MINIBLOCK
from eas.transforms import apply_edits, check_preserved, deepen, widen
from eas.transforms.state import StateDict, expected_shapes
from tests.transforms.helpers import assert_states_equal, clone_state, dense_specs, logits, random_state

RELATIVE_TOLERANCE = 1e-5
PROPERTY_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPEC = parse_spec("densenet-bc stem8 g4 g4 t8 g4 g6", (3, 12, 12), 5)
assert isinstance(SPEC, DenseNetSpec)


def random_edits(data: st.DataObject, spec: DenseNetSpec, count: int) -> list[Edit]:
    """`count` random legal edits: widen any unit by 1-6 or copy any miniblock."""
    edits: list[Edit] = []
    current = spec
    for _ in range(count):
        miniblocks = [i for i, unit in enumerate(current.layers) if unit.kind == MINIBLOCK]
        if data.draw(st.booleans(), label="widen?"):
            index = data.draw(st.integers(0, len(current.layers) - 1), label="unit")
            edit = Edit.widen(index, current.layers[index].width + data.draw(st.integers(1, 6), label="extra"))
        else:
            edit = Edit.deepen(data.draw(st.sampled_from(miniblocks), label="miniblock"), None)
        edits.append(edit)
        note(edit.describe())
        # The architecture alone decides what the next edit may be: no weights needed here.
        new = apply_edit(current, edit)
        assert isinstance(new, DenseNetSpec)
        current = new
    return edits


def relative(spec_a, state_a, spec_b, state_b, inputs, train: bool) -> float:
    first = logits(spec_a, clone_state(state_a), inputs, train)
    second = logits(spec_b, clone_state(state_b), inputs, train)
    return float((first - second).abs().max()) / max(1.0, float(first.abs().max()))


@PROPERTY_SETTINGS
@given(spec=dense_specs(), seed=st.integers(0, 2**31 - 1), data=st.data())
def test_random_edits_preserve_logits_in_eval_and_train_mode(spec: DenseNetSpec, seed: int, data) -> None:
    generator = torch.Generator().manual_seed(seed)
    state = random_state(spec, generator)
    edits = random_edits(data, spec, data.draw(st.integers(1, 5)))
    grown = apply_edits(spec, state, edits, generator=generator, widen_noise=0.0, deepen_noise=0.0)
    note(f"{spec.to_string()} -> {grown.spec.to_string()}")
    inputs = torch.randn(4, *spec.input_shape, generator=generator)
    assert relative(spec, state, grown.spec, grown.state, inputs, train=False) <= RELATIVE_TOLERANCE
    assert relative(spec, state, grown.spec, grown.state, inputs, train=True) <= RELATIVE_TOLERANCE


@PROPERTY_SETTINGS
@given(spec=dense_specs(), seed=st.integers(0, 2**31 - 1), compression=st.sampled_from((0.5, 0.8, 1.0)))
def test_transition_widening_preserves_logits(spec: DenseNetSpec, seed: int, compression: float) -> None:
    generator = torch.Generator().manual_seed(seed)
    state = random_state(spec, generator)
    edits = [Edit.widen(index, width) for index, width in transition_targets(spec, compression)]
    grown = apply_edits(spec, state, edits, generator=generator, widen_noise=0.0)
    assert isinstance(grown.spec, DenseNetSpec)
    assert transition_targets(grown.spec, compression) == []
    inputs = torch.randn(3, *spec.input_shape, generator=generator)
    assert relative(spec, state, grown.spec, grown.state, inputs, train=False) <= RELATIVE_TOLERANCE


@pytest.fixture
def state() -> StateDict:
    return random_state(SPEC, torch.Generator().manual_seed(1))


def test_widen_miniblock_grows_bottleneck_and_every_consumer(state) -> None:
    new_spec, new_state = widen(SPEC, state, 1, 7, noise=0.0, generator=torch.Generator().manual_seed(2))
    assert new_spec.to_string() == "densenet-bc stem8 g7 g4 t8 g4 g6"
    assert new_state["body.layer1.conv1.weight"].shape == (28, 8, 1, 1)
    assert new_state["body.layer1.bn2.running_var"].shape == (28,)
    assert new_state["body.layer1.conv2.weight"].shape == (7, 28, 3, 3)
    # Both consumers in the block read 3 more channels, at the miniblock's offset (after the stem's 8).
    assert new_state["body.layer2.conv1.weight"].shape == (16, 15, 1, 1)
    assert new_state["body.layer3.conv.weight"].shape == (8, 19, 1, 1)
    assert torch.equal(new_state["body.layer2.conv1.weight"][:, :8], state["body.layer2.conv1.weight"][:, :8])
    assert torch.equal(new_state["body.layer3.bn.running_mean"][:12], state["body.layer3.bn.running_mean"][:12])
    # The next block's units are untouched.
    for key in ("body.layer4.conv1.weight", "body.layer5.conv2.weight", "classifier.weight"):
        assert torch.equal(new_state[key], state[key])
    inputs = torch.randn(5, 3, 12, 12)
    assert check_preserved(SPEC, state, new_spec, new_state, inputs) < 1e-5


def test_widen_last_miniblock_reaches_final_batch_norm_and_classifier(state) -> None:
    new_spec, new_state = widen(SPEC, state, 5, 9, noise=0.0, generator=torch.Generator().manual_seed(3))
    assert new_state["final_bn.running_var"].shape == (21,)
    assert new_state["classifier.weight"].shape == (5, 21)
    assert check_preserved(SPEC, state, new_spec, new_state, torch.randn(4, 3, 12, 12)) < 1e-5


def test_deepen_copies_the_miniblock_with_zero_weights_on_its_output(state) -> None:
    new_spec, new_state = deepen(SPEC, state, 1, noise=0.0, generator=torch.Generator().manual_seed(4))
    assert new_spec.to_string() == "densenet-bc stem8 g4 g4 g4 t8 g4 g6"
    new_id = new_spec.layers[2].layer_id
    assert new_id == 6
    copy = new_state[f"body.layer{new_id}.conv1.weight"]
    assert torch.equal(copy[:, :8], state["body.layer1.conv1.weight"])
    assert torch.equal(copy[:, 8:], torch.zeros(16, 4, 1, 1))
    original_rows = state["body.layer1.conv2.weight"]
    rows = new_state[f"body.layer{new_id}.conv2.weight"]
    assert sorted(tuple(row.flatten().tolist()) for row in rows) == sorted(
        tuple(row.flatten().tolist()) for row in original_rows
    )
    assert list(new_state) == list(expected_shapes(new_spec))
    assert check_preserved(SPEC, state, new_spec, new_state, torch.randn(4, 3, 12, 12)) < 1e-5


def test_names_of_existing_weights_stay_stable(state) -> None:
    _, new_state = deepen(SPEC, state, 4, noise=0.0, generator=torch.Generator().manual_seed(5))
    assert set(state) < set(new_state)
    for key in ("body.layer0.conv.weight", "body.layer1.conv2.weight", "body.layer4.conv2.weight"):
        assert torch.equal(new_state[key], state[key])


def test_noise_perturbs_only_new_weights_and_only_slightly(state) -> None:
    generator = torch.Generator().manual_seed(6)
    new_spec, new_state = widen(SPEC, state, 2, 10, noise=0.01, generator=generator)
    # The old bottleneck units keep their weights; only the copies get noise.
    assert torch.equal(new_state["body.layer2.conv1.weight"][:16], state["body.layer2.conv1.weight"])
    copies = new_state["body.layer2.conv1.weight"][16:]
    assert not any(torch.equal(row, old) for row in copies for old in state["body.layer2.conv1.weight"])
    inputs = torch.randn(4, 3, 12, 12)
    difference = check_preserved(SPEC, state, new_spec, new_state, inputs)
    assert 0 < difference < 0.05
    deeper_spec, deeper_state = deepen(SPEC, state, 1, noise=0.01, generator=generator)
    assert 0 < check_preserved(SPEC, state, deeper_spec, deeper_state, inputs) < 0.05


def test_inputs_are_never_modified_and_runs_are_reproducible(state) -> None:
    before = clone_state(state)
    first = apply_edits(
        SPEC, state, [Edit.widen(1, 6), Edit.deepen(2, None)], generator=torch.Generator().manual_seed(7)
    )
    second = apply_edits(
        SPEC, state, [Edit.widen(1, 6), Edit.deepen(2, None)], generator=torch.Generator().manual_seed(7)
    )
    assert_states_equal(state, before)
    assert_states_equal(first.state, second.state)
    assert first.inserted == (6,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s, w: widen(SPEC, w, 1, 4), "larger"),
        (lambda s, w: widen(SPEC, w, 9, 12), "out of range"),
        (lambda s, w: deepen(SPEC, w, 3), "after a miniblock"),
        (lambda s, w: deepen(SPEC, w, 0), "after a miniblock"),
        (lambda s, w: widen(SPEC, {}, 1, 6), "does not match"),
        (lambda s, w: widen(SPEC, w, 1, 6, noise=-1.0), "noise"),
    ],
)
def test_bad_arguments_name_the_problem(state, call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(SPEC, state)
