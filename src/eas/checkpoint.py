"""Checkpoint folders: `spec.json`, `weights.safetensors` and `metrics.json`, written atomically.

A checkpoint is what `eas train` writes and what `eas grow` and `eas search --start` read. Weights
use safetensors, which stores tensors only, so loading one can never run code.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from eas.spec import Spec, spec_from_json

SPEC_FILE = "spec.json"
WEIGHTS_FILE = "weights.safetensors"
METRICS_FILE = "metrics.json"


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
    """Load a safetensors state dict onto the CPU."""
    return load_file(str(path), device="cpu")


def save_checkpoint(
    folder: str | Path, spec: Spec, state_dict: dict[str, torch.Tensor], metrics: dict[str, Any] | None = None
) -> Path:
    """Write a checkpoint folder and return its path."""
    folder = Path(folder)
    save_weights(folder / WEIGHTS_FILE, state_dict)
    atomic_write_text(folder / SPEC_FILE, json.dumps(spec.to_dict(), indent=2) + "\n")
    if metrics is not None:
        atomic_write_text(folder / METRICS_FILE, json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return folder


def has_checkpoint(folder: str | Path) -> bool:
    """True when `folder` holds a complete checkpoint (spec and weights)."""
    return all((Path(folder) / name).is_file() for name in (SPEC_FILE, WEIGHTS_FILE))


def load_checkpoint(folder: str | Path) -> tuple[Spec, dict[str, torch.Tensor], dict[str, Any]]:
    """Read a checkpoint folder: (spec, state dict, metrics or {})."""
    folder = Path(folder)
    missing = [name for name in (SPEC_FILE, WEIGHTS_FILE) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} is not a checkpoint: missing {', '.join(missing)} (write one with `eas train --out DIR`)"
        )
    spec = spec_from_json((folder / SPEC_FILE).read_text())
    state_dict = load_weights(folder / WEIGHTS_FILE)
    metrics_path = folder / METRICS_FILE
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    return spec, state_dict, metrics
