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
from eas.spec import LayerSpec, NetSpec, Spec, parse_spec
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


# ----- bad input: every damaged or foreign file is a ValueError naming it -------------------------
def _saved(tmp_path: Path) -> Path:
    return save_checkpoint(tmp_path / "checkpoint", SPEC, trained_like_state(), {"x": 1})


def test_spec_json_records_the_version_and_the_weights_checksum(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    record = json.loads((folder / SPEC_FILE).read_text())
    assert record[checkpoint.VERSION_KEY] == checkpoint.CHECKPOINT_VERSION == 1
    assert record[checkpoint.CHECKSUM_KEY] == checkpoint.file_sha256(folder / WEIGHTS_FILE)
    assert len(record[checkpoint.CHECKSUM_KEY]) == 64


def test_a_folder_written_before_versions_still_loads(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    (folder / SPEC_FILE).write_text(SPEC.to_json())  # no version, no checksum: what older eas wrote
    spec, state, _ = load_checkpoint(folder)
    assert spec == SPEC and set(state) == set(trained_like_state())


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (2, "written by a newer eas .*upgrade eas"),
        (99, "checkpoint format 99"),
        (0, "must be a positive integer"),
        ("1", "must be a positive integer"),
        (None, "must be a positive integer"),
    ],
)
def test_other_versions_are_refused(tmp_path: Path, version: object, message: str) -> None:
    folder = _saved(tmp_path)
    record = json.loads((folder / SPEC_FILE).read_text())
    record[checkpoint.VERSION_KEY] = version
    (folder / SPEC_FILE).write_text(json.dumps(record))
    with pytest.raises(ValueError, match=message) as error:
        load_checkpoint(folder)
    assert str(folder / SPEC_FILE) in str(error.value)


def test_truncated_weights_are_named(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    data = (folder / WEIGHTS_FILE).read_bytes()
    (folder / WEIGHTS_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="SHA-256 mismatch") as error:
        load_checkpoint(folder)
    assert str(folder / WEIGHTS_FILE) in str(error.value)
    # Without the recorded checksum (an older folder) safetensors itself notices the missing bytes.
    (folder / SPEC_FILE).write_text(SPEC.to_json())
    with pytest.raises(ValueError, match="not a readable safetensors weights file") as error:
        load_checkpoint(folder)
    assert str(folder / WEIGHTS_FILE) in str(error.value) and "eas train --out" in str(error.value)


@pytest.mark.parametrize("content", [b"", b"\x00" * 7, b"not safetensors at all", b"\xff" * 64])
def test_garbage_weights_are_named(tmp_path: Path, content: bytes) -> None:
    folder = _saved(tmp_path)
    (folder / SPEC_FILE).write_text(SPEC.to_json())
    (folder / WEIGHTS_FILE).write_bytes(content)
    with pytest.raises(ValueError, match="not a readable safetensors") as error:
        load_checkpoint(folder)
    assert str(folder / WEIGHTS_FILE) in str(error.value)


def test_tampered_weight_values_fail_the_checksum(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    data = bytearray((folder / WEIGHTS_FILE).read_bytes())
    data[-1] ^= 0xFF  # one byte of the last tensor: still a valid safetensors file
    (folder / WEIGHTS_FILE).write_bytes(bytes(data))
    load_weights(folder / WEIGHTS_FILE)  # readable on its own ...
    with pytest.raises(ValueError, match="SHA-256 mismatch"):
        load_checkpoint(folder)  # ... but not the weights saved with this spec


class _CreatesMarker:
    """Unpickling this runs `Path.touch(marker)`: what a malicious file would do with os.system."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("with_checksum", [True, False])
def test_a_pickle_in_place_of_the_weights_never_runs(tmp_path: Path, with_checksum: bool) -> None:
    folder = _saved(tmp_path)
    if not with_checksum:
        (folder / SPEC_FILE).write_text(SPEC.to_json())
    marker = tmp_path / "pwned"
    torch.save({"body.layer5.conv.weight": _CreatesMarker(marker)}, folder / WEIGHTS_FILE)
    with pytest.raises(ValueError) as error:
        load_checkpoint(folder)
    assert str(folder / WEIGHTS_FILE) in str(error.value)
    assert not marker.exists()
    # The same bytes unpickled the unsafe way do run code: the test's pickle is a real threat.
    copy = tmp_path / "copy.pt"
    copy.write_bytes((folder / WEIGHTS_FILE).read_bytes())
    torch.load(copy, weights_only=False)
    assert marker.exists()


def test_a_foreign_torch_save_is_refused(tmp_path: Path) -> None:
    folder = _saved(tmp_path)
    (folder / SPEC_FILE).write_text(SPEC.to_json())
    torch.save(trained_like_state(), folder / WEIGHTS_FILE)  # the right tensors, in a pickle
    with pytest.raises(ValueError, match=r"torch\.save pickle is never loaded"):
        load_checkpoint(folder)


def _other_networks() -> list[tuple[Spec, str]]:
    layers = list(SPEC.layers)
    widened = SPEC.replace_layers((layers[0].with_width(8), *layers[1:]))
    without_fc = SPEC.replace_layers(tuple(layers[:-1]))
    deeper = SPEC.replace_layers((*layers[:4], LayerSpec(CONV, 6, 3, 40), *layers[4:]))
    dense = parse_spec("densenet-bc stem4 g4", SPEC.input_shape, SPEC.num_classes)
    return [
        (widened, r"body.layer5.conv.weight is \(4, 3, 3, 3\) torch.float32, expected \(8, 3, 3, 3\)"),
        (without_fc, "unexpected body.layer3.bn.bias"),
        (deeper, "missing body.layer40.bn.bias"),
        (dense, "missing .*unexpected"),
    ]


@pytest.mark.parametrize(("spec", "message"), _other_networks())
def test_weights_of_another_network_are_refused(tmp_path: Path, spec: Spec, message: str) -> None:
    folder = _saved(tmp_path)
    (folder / SPEC_FILE).write_text(spec.to_json())  # a spec.json without checksum, from another network
    with pytest.raises(ValueError, match=message) as error:
        load_checkpoint(folder)
    assert str(folder / WEIGHTS_FILE) in str(error.value) and "different networks" in str(error.value)


def test_weights_of_the_wrong_dtype_are_refused(tmp_path: Path) -> None:
    state = {key: value.double() if value.is_floating_point() else value for key, value in trained_like_state().items()}
    folder = save_checkpoint(tmp_path / "checkpoint", SPEC, state)
    with pytest.raises(ValueError, match=r"torch\.float64, expected .* torch\.float32"):
        load_checkpoint(folder)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (SPEC_FILE, "{not json", "not valid JSON"),
        (SPEC_FILE, "", "not valid JSON"),
        (SPEC_FILE, "[1, 2]", "expected a JSON object"),
        (SPEC_FILE, '{"arch": "conv-4-3 gap"}', "lacks the field 'input_shape'"),
        (SPEC_FILE, '{"arch": "conv-99999-3 gap", "input_shape": [3, 8, 6], "num_classes": 4}', "exceeds the limit"),
        (SPEC_FILE, "\udcff", "not valid JSON"),
        (METRICS_FILE, "{truncated", "not valid JSON"),
        (METRICS_FILE, "[1, 2]", "expected a JSON object of metrics"),
        (METRICS_FILE, "[" * 50_000, "nested too deeply"),
    ],
)
def test_invalid_json_files_are_named(tmp_path: Path, name: str, content: str, message: str) -> None:
    folder = _saved(tmp_path)
    (folder / name).write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(ValueError, match=message) as error:
        load_checkpoint(folder)
    assert str(folder / name) in str(error.value)
    assert "eas train --out" in str(error.value)
