"""Default noise on a trained network: real Fashion-MNIST accuracy barely moves after transforms.

Trains a small plain CNN for a few seconds (module fixture), then widens and deepens it with the
default noise. Skipped when Fashion-MNIST is not available.
"""

from __future__ import annotations

import pytest
import torch

from eas.build import build_model
from eas.data import Dataset, DatasetError, Split, load_dataset, normalize
from eas.spec import NetSpec
from eas.train import TrainConfig, evaluate, fit
from eas.transforms import check_preserved, deepen, widen
from eas.transforms.state import StateDict

SPEC = NetSpec.parse("conv-8-3 pool conv-16-3 pool gap fc-32", (1, 28, 28), 10)


@pytest.fixture(scope="module")
def trained() -> tuple[StateDict, Dataset, Split]:
    """(state dict of a trained network, the dataset, 2,000 validation images)."""
    try:
        data = load_dataset("fashion-mnist")
    except DatasetError as error:
        pytest.skip(f"Fashion-MNIST is not available: {error}")
    torch.manual_seed(0)
    model = build_model(SPEC)
    config = TrainConfig(epochs=2, learning_rate=0.05, schedule="step", train_subset=20000, augment=False)
    fit(model, data, config, validation=Split(data.validation.images[:0], data.validation.labels[:0]))
    validation = Split(data.validation.images[:2000], data.validation.labels[:2000])
    return {key: value.detach().clone() for key, value in model.state_dict().items()}, data, validation


def test_default_noise_keeps_accuracy_of_a_trained_network(trained) -> None:
    state, data, validation = trained
    before = evaluate(build_model(SPEC, state), validation, data.info).accuracy
    assert before > 0.7, "the fixture network should have learnt something"
    train_batch = normalize(data.train.images[:256], data.info.mean, data.info.std)
    generator = torch.Generator().manual_seed(0)
    spec, new_state = widen(SPEC, state, 0, 16, generator=generator)
    spec, new_state = widen(spec, new_state, 5, 64, generator=generator)
    spec, new_state = deepen(spec, new_state, 2, kernel_size=5, generator=generator)
    spec, new_state = deepen(spec, new_state, 0, kernel_size=3, calibration=train_batch, generator=generator)
    assert spec.to_string() == "conv-16-3 conv-16-3 pool conv-16-3 conv-16-5 pool gap fc-64"
    after = evaluate(build_model(spec, new_state), validation, data.info).accuracy
    assert abs(after - before) < 0.01
    # The logits move only slightly compared with their size.
    images = normalize(validation.images[:200], data.info.mean, data.info.std)
    difference = check_preserved(SPEC, state, spec, new_state, images)
    assert difference < 0.05 * float(build_model(SPEC, state).eval()(images).detach().abs().max())
