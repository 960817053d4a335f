"""Tiny checkpoints to export and predict with: built, not trained (the exports must match whatever the
weights are), with BatchNorm statistics moved away from their defaults so that eval mode matters."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from eas.build import build_model
from eas.checkpoint import save_checkpoint
from eas.spec import parse_spec
from tests.toy_data import write_toy_npz

ARCH = "conv-4-3 pool conv-8-3 gap fc-8"


def write_checkpoint(folder: Path, arch: str, input_shape: tuple[int, int, int], metrics: dict) -> Path:
    """A checkpoint of `arch` with seeded weights and non-trivial BatchNorm running statistics."""
    spec = parse_spec(arch, input_shape, 4)
    model = build_model(spec, seed=0)
    generator = torch.Generator().manual_seed(1)
    state = model.state_dict()
    for key, value in state.items():
        if key.endswith("running_mean"):
            value.copy_(torch.randn(value.shape, generator=generator) * 0.2)
        elif key.endswith("running_var"):
            value.copy_(torch.rand(value.shape, generator=generator) + 0.5)
    return save_checkpoint(folder, spec, state, metrics)


@pytest.fixture
def toy_checkpoint(tmp_path: Path) -> tuple[Path, str]:
    """(checkpoint folder of ARCH for 1 x 8 x 8 inputs, its `npz:` dataset name)."""
    dataset = f"npz:{write_toy_npz(tmp_path / 'toy.npz', train=120, test=20, size=8)}"
    metrics = {"dataset": dataset, "data_root": None, "validation_size": 20, "data_seed": 0, "test_accuracy": 0.5}
    return write_checkpoint(tmp_path / "checkpoint", ARCH, (1, 8, 8), metrics), dataset
