"""Tests of `eas.checkpoint`: checkpoint folders round trip, writes are atomic, missing files are named."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

import eas.checkpoint as checkpoint
from eas.build import build_model
from eas.checkpoint import (
    METRICS_FILE,
    SPEC_FILE,
    WEIGHTS_FILE,
    atomic_write_text,
    load_checkpoint,
    load_weights,
    save_checkpoint,
    save_weights,
)
from eas.spec import LayerSpec, NetSpec
from eas.spec.layers import CONV, FC, GLOBAL_POOL, MAX_POOL

SPEC = NetSpec(
    (
        LayerSpec(CONV, 4, 3, 5),
        LayerSpec(CONV, 4, 1, 17),
        LayerSpec(MAX_POOL, layer_id=2),
        LayerSpec(CONV, 6, 5, 0),
        LayerSpec(GLOBAL_POOL, layer_id=9),
        LayerSpec(FC, 7, 0, 3),
    ),
    (3, 8, 6),
    4,
)


def trained_like_state() -> dict[str, torch.Tensor]:
    """A state dict with non-default values everywhere, running statistics and counters included."""
    generator = torch.Generator().manual_seed(3)
    state = build_model(SPEC).state_dict()
    return {
        key: torch.randint(0, 1000, value.shape, generator=generator, dtype=value.dtype)
        if value.dtype == torch.int64
        else torch.randn(value.shape, generator=generator)
        for key, value in state.items()
    }


def test_round_trip(tmp_path: Path) -> None:
    state = trained_like_state()
    metrics = {"test_accuracy": 0.8125, "result": {"status": "ok", "train_loss": [1.5, 0.25]}, "arch": SPEC.to_string()}
    folder = save_checkpoint(tmp_path / "nested" / "checkpoint", SPEC, state, metrics)
    assert folder == tmp_path / "nested" / "checkpoint"
    assert sorted(path.name for path in folder.iterdir()) == sorted([SPEC_FILE, WEIGHTS_FILE, METRICS_FILE])

    spec, loaded, loaded_metrics = load_checkpoint(str(folder))
    assert spec == SPEC
    assert [layer.layer_id for layer in spec.layers] == [5, 17, 2, 0, 9, 3]
    assert spec.input_shape == (3, 8, 6) and spec.num_classes == 4
    assert set(loaded) == set(state)
    for key, value in state.items():
        assert loaded[key].dtype == value.dtype, key
        assert loaded[key].device.type == "cpu"
        assert torch.equal(loaded[key], value), key
    assert loaded_metrics == metrics
    # What was saved builds the same network again.
    build_model(spec, loaded)


def test_files_are_readable_json(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, SPEC, trained_like_state(), {"b": 1, "a": [2.5]})
    assert NetSpec.from_dict(json.loads((tmp_path / SPEC_FILE).read_text())) == SPEC
    assert json.loads((tmp_path / METRICS_FILE).read_text()) == {"a": [2.5], "b": 1}


def test_without_metrics_loads_an_empty_dict(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, SPEC, trained_like_state())
    assert not (tmp_path / METRICS_FILE).exists()
    spec, _, metrics = load_checkpoint(tmp_path)
    assert spec == SPEC and metrics == {}


def test_saving_again_overwrites(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, SPEC, trained_like_state(), {"round": 1})
    grown = NetSpec.parse("conv-4-3 gap", (3, 8, 6), 4)
    state = build_model(grown).state_dict()
    save_checkpoint(tmp_path, grown, state, {"round": 2})
    spec, loaded, metrics = load_checkpoint(tmp_path)
    assert spec == grown and set(loaded) == set(state) and metrics == {"round": 2}
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([SPEC_FILE, WEIGHTS_FILE, METRICS_FILE])


def test_save_weights_copies_views_and_does_not_touch_the_source(tmp_path: Path) -> None:
    base = torch.arange(12.0)
    state = {"a": base[:6].view(2, 3), "b": base[6:], "c": base.view(3, 4).t()}  # shared, non-contiguous
    save_weights(tmp_path / "w.safetensors", state)
    loaded = load_weights(tmp_path / "w.safetensors")
    assert set(loaded) == {"a", "b", "c"}
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    assert torch.equal(base, torch.arange(12.0))
    assert [path.name for path in tmp_path.iterdir()] == ["w.safetensors"]


def test_atomic_write_text_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "deeper" / "notes.txt"
    atomic_write_text(target, "first\n")
    atomic_write_text(target, "second\n")
    assert target.read_text() == "second\n"
    assert [path.name for path in target.parent.iterdir()] == ["notes.txt"]


def test_atomic_write_text_keeps_the_old_file_when_the_write_fails(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "notes.txt"
    atomic_write_text(target, "old\n")

    def failing_replace(source: str, destination: object) -> None:
        assert Path(source).exists() and Path(source).read_text() == "new\n"
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new\n")
    monkeypatch.setattr(checkpoint.os, "replace", os.replace)
    assert target.read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_atomic_write_text_honours_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        (tmp_path / "b.txt").write_text("x")
    finally:
        os.umask(previous)
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ((), (SPEC_FILE, WEIGHTS_FILE)),
        ((WEIGHTS_FILE, METRICS_FILE), (SPEC_FILE,)),
        ((SPEC_FILE, METRICS_FILE), (WEIGHTS_FILE,)),
    ],
)
def test_missing_files_are_named(tmp_path: Path, present: tuple[str, ...], missing: tuple[str, ...]) -> None:
    source = save_checkpoint(tmp_path / "full", SPEC, trained_like_state(), {"x": 1})
    folder = tmp_path / "partial"
    folder.mkdir()
    for name in present:
        (folder / name).write_bytes((source / name).read_bytes())
    with pytest.raises(FileNotFoundError, match=f"missing {', '.join(missing)}") as error:
        load_checkpoint(folder)
    message = str(error.value)
    assert str(folder) in message
    for name in {SPEC_FILE, WEIGHTS_FILE} - set(missing):
        assert name not in message


def test_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"missing {SPEC_FILE}, {WEIGHTS_FILE}"):
        load_checkpoint(tmp_path / "nowhere")
