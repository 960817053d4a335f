"""Checkpoint folders: `spec.json`, `weights.safetensors` and `metrics.json`, written atomically.

A checkpoint is what `eas train` writes and what `eas grow` and `eas search --start` read. Weights
use safetensors, which stores tensors only, so loading one can never run code. `spec.json` also
records the folder's format version and the weights' SHA-256, so that a folder from a newer `eas`,
damaged weights or weights of another network are refused with the file named, never half-loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from eas.build import build_model
from eas.spec import Spec, spec_from_dict
from eas.spec.common import load_json_text

SPEC_FILE = "spec.json"
WEIGHTS_FILE = "weights.safetensors"
METRICS_FILE = "metrics.json"
# The folder format `save_checkpoint` writes. Folders written before the field existed have the same
# layout and count as version 1. Raise it when the layout changes, and keep reading older versions.
CHECKPOINT_VERSION = 1
VERSION_KEY = "checkpoint_version"
CHECKSUM_KEY = "weights_sha256"
# The metrics key of the input normalisation (`DatasetInfo.to_dict()`): with it a checkpoint feeds raw
# images to its network without reading the dataset it was trained on again.
DATASET_INFO_KEY = "dataset_info"
_REWRITE_HINT = "write the checkpoint again (`eas train --out DIR`) or restore it from a copy"


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file and `os.replace`, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        _publish(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _publish(temporary: str, path: Path) -> None:
    # mkstemp creates files readable by the owner only; give the final file the usual umask mode.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    os.replace(temporary, path)


def save_weights(path: Path, state_dict: dict[str, torch.Tensor]) -> None:
    """Save a state dict as safetensors, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tensors = {key: value.detach().cpu().contiguous().clone() for key, value in state_dict.items()}
    try:
        save_file(tensors, temporary)
        _publish(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """Load a safetensors state dict onto the CPU; a damaged or foreign file is a `ValueError` naming it."""
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError) as error:
        raise ValueError(
            f"{path}: not a readable safetensors weights file ({error}); it is truncated, damaged or another "
            f"format (a torch.save pickle is never loaded, since it could run code); {_REWRITE_HINT}"
        ) from error


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_checkpoint(
    folder: str | Path, spec: Spec, state_dict: dict[str, torch.Tensor], metrics: dict[str, Any] | None = None
) -> Path:
    """Write a checkpoint folder and return its path; `spec.json` records the format version and the
    weights' SHA-256 next to the spec."""
    folder = Path(folder)
    save_weights(folder / WEIGHTS_FILE, state_dict)
    record = {**spec.to_dict(), VERSION_KEY: CHECKPOINT_VERSION, CHECKSUM_KEY: file_sha256(folder / WEIGHTS_FILE)}
    atomic_write_text(folder / SPEC_FILE, json.dumps(record, indent=2) + "\n")
    if metrics is not None:
        atomic_write_text(folder / METRICS_FILE, json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return folder


def has_checkpoint(folder: str | Path) -> bool:
    """True when `folder` holds a complete checkpoint (spec and weights)."""
    return all((Path(folder) / name).is_file() for name in (SPEC_FILE, WEIGHTS_FILE))


def load_checkpoint(folder: str | Path) -> tuple[Spec, dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint folder: (spec, state dict, metrics or {}).

    Missing files are a `FileNotFoundError`; a folder from a newer format, invalid JSON, weights that
    are damaged, not safetensors, or not the weights of the spec's network are a `ValueError` that
    names the file and says what to do."""
    folder = Path(folder)
    missing = [name for name in (SPEC_FILE, WEIGHTS_FILE) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} is not a checkpoint: missing {', '.join(missing)} (write one with `eas train --out DIR`)"
        )
    spec, record = _read_spec(folder / SPEC_FILE)
    weights_path = folder / WEIGHTS_FILE
    checksum = record.get(CHECKSUM_KEY)
    if checksum is not None and checksum != file_sha256(weights_path):
        raise ValueError(
            f"{weights_path}: the file differs from the one saved with {folder / SPEC_FILE} (SHA-256 mismatch); "
            f"it was changed or damaged after saving; {_REWRITE_HINT}"
        )
    state_dict = load_weights(weights_path)
    check_weights_match(spec, state_dict, weights_path)
    metrics = _read_metrics(folder / METRICS_FILE)
    return spec, state_dict, metrics


def load_metrics(folder: str | Path) -> dict[str, Any]:
    """A checkpoint folder's `metrics.json` alone ({} when it has none), without reading the weights."""
    return _read_metrics(Path(folder) / METRICS_FILE)


def _read_json(path: Path) -> Any:
    try:
        return load_json_text(path.read_bytes())
    except ValueError as error:
        raise ValueError(f"{path}: {error}; {_REWRITE_HINT}") from error


def _read_spec(path: Path) -> tuple[Spec, dict[str, Any]]:
    """The spec of a checkpoint's `spec.json` and the whole record (version and checksum included)."""
    record = _read_json(path)
    if not isinstance(record, dict):
        raise ValueError(f"{path}: expected a JSON object with arch, input_shape, num_classes; {_REWRITE_HINT}")
    version = record.get(VERSION_KEY, 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"{path}: {VERSION_KEY} must be a positive integer, got {version!r}; {_REWRITE_HINT}")
    if version > CHECKPOINT_VERSION:
        raise ValueError(
            f"{path}: checkpoint format {version} was written by a newer eas (this one reads up to "
            f"{CHECKPOINT_VERSION}); upgrade eas to load it"
        )
    checksum = record.get(CHECKSUM_KEY)
    if checksum is not None and not isinstance(checksum, str):
        raise ValueError(f"{path}: {CHECKSUM_KEY} must be a hex string, got {checksum!r}; {_REWRITE_HINT}")
    try:
        spec = spec_from_dict(record)
    except ValueError as error:
        raise ValueError(f"{path}: {error}; {_REWRITE_HINT}") from error
    return spec, record


def _read_metrics(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    metrics = _read_json(path)
    if not isinstance(metrics, dict):
        raise ValueError(f"{path}: expected a JSON object of metrics, got {type(metrics).__name__}; {_REWRITE_HINT}")
    return metrics


def check_weights_match(spec: Spec, state_dict: dict[str, torch.Tensor], source: Path) -> None:
    """Raise a `ValueError` naming `source` when `state_dict` lacks, adds or reshapes a tensor of `spec`'s model.

    The model is built on the meta device: it has every shape and dtype and no memory behind them."""
    with torch.device("meta"):
        expected = build_model(spec).state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    wrong = [
        f"{key} is {tuple(state_dict[key].shape)} {state_dict[key].dtype}, expected {tuple(value.shape)} {value.dtype}"
        for key, value in expected.items()
        if key in state_dict and (state_dict[key].shape != value.shape or state_dict[key].dtype != value.dtype)
    ]
    if missing or unexpected or wrong:
        problems = [
            *([f"missing {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}"] if missing else []),
            *([f"unexpected {', '.join(unexpected[:3])}{' ...' if len(unexpected) > 3 else ''}"] if unexpected else []),
            *wrong[:3],
        ]
        raise ValueError(
            f"{source}: the weights do not fit the network {spec.to_string()!r} ({'; '.join(problems)}); "
            f"spec.json and the weights come from different networks; {_REWRITE_HINT}"
        )
