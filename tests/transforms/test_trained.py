"""Default noise on a trained network: real Fashion-MNIST accuracy barely moves after transforms.

Trains a small plain CNN for a few seconds (module fixture), then widens and deepens it with the
default noise. Skipped when the Debian `dataset-fashion-mnist` files are not installed.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as functional

from eas.build import build_model
from eas.spec import NetSpec
from eas.transforms import check_preserved, deepen, widen
from eas.transforms.state import StateDict

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
SPEC = NetSpec.parse("conv-8-3 pool conv-16-3 pool gap fc-32", (1, 28, 28), 10)


def read_idx(name: str) -> np.ndarray:
    """An IDX file (big-endian header: magic, sizes) as an array of uint8."""
    with gzip.open(FASHION_DIR / name, "rb") as handle:
        data = handle.read()
    dimensions = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def as_tensors(images: np.ndarray, labels: np.ndarray, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    pixels = torch.from_numpy(images[:count].astype(np.float32) / 255.0).unsqueeze(1)
    return (pixels - 0.286) / 0.353, torch.from_numpy(labels[:count].astype(np.int64))


@pytest.fixture(scope="module")
def trained() -> tuple[StateDict, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(state dict of a trained network, validation images, validation labels, a training batch)."""
    if not (FASHION_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"Fashion-MNIST not found in {FASHION_DIR} (install dataset-fashion-mnist)")
    train_images, train_labels = as_tensors(
        read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz"), 20000
    )
    validation_images, validation_labels = as_tensors(
        read_idx("t10k-images-idx3-ubyte.gz"), read_idx("t10k-labels-idx1-ubyte.gz"), 2000
    )
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = build_model(SPEC).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(2):
        for start in range(0, len(train_images), 100):
            batch = slice(start, start + 100)
            loss = functional.cross_entropy(model(train_images[batch]), train_labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    torch.set_num_threads(threads)
    state = {key: value.detach().clone() for key, value in model.state_dict().items()}
    return state, validation_images, validation_labels, train_images[:256]


def accuracy(spec: NetSpec, state: StateDict, images: torch.Tensor, labels: torch.Tensor) -> float:
    model = build_model(spec, state).eval()
    with torch.no_grad():
        return float((model(images).argmax(1) == labels).double().mean())


def test_default_noise_keeps_accuracy_of_a_trained_network(trained) -> None:
    state, images, labels, train_batch = trained
    before = accuracy(SPEC, state, images, labels)
    assert before > 0.7, "the fixture network should have learnt something"
    generator = torch.Generator().manual_seed(0)
    spec, new_state = widen(SPEC, state, 0, 16, generator=generator)
    spec, new_state = widen(spec, new_state, 5, 64, generator=generator)
    spec, new_state = deepen(spec, new_state, 2, kernel_size=5, generator=generator)
    spec, new_state = deepen(spec, new_state, 0, kernel_size=3, calibration=train_batch, generator=generator)
    assert spec.to_string() == "conv-16-3 conv-16-3 pool conv-16-3 conv-16-5 pool gap fc-64"
    after = accuracy(spec, new_state, images, labels)
    assert abs(after - before) < 0.01
    # The logits move only slightly compared with their size.
    difference = check_preserved(SPEC, state, spec, new_state, images[:200])
    assert difference < 0.05 * float(build_model(SPEC, state).eval()(images[:200]).detach().abs().max())
