"""Child tasks and results as plain messages for other processes and machines.

A message holds JSON-ready values (the spec as its JSON text, edits as `[kind, index, value]`, the
training recipe as a dict) plus tensors; no module or class of ours is pickled, so a worker only needs
the package installed, and a message can cross a pipe, a Ray object store or a file. Parent weights
travel apart from the task, under a key, so that a worker keeps one copy per parent.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import torch

from eas.evaluation.child import ChildResult, ChildTask
from eas.spec import Edit, spec_from_json
from eas.train import TrainConfig

StateDict = dict[str, torch.Tensor]


def parent_key(task: ChildTask) -> str | None:
    """A fingerprint of the task's parent (architecture and weights), None when it inherits nothing.

    Hashing the bytes costs milliseconds for the networks a search trains, far less than sending the
    weights again for every child of an episode."""
    if task.parent_state is None:
        return None
    digest = hashlib.blake2b(task.parent_spec.to_json().encode(), digest_size=16)
    for key in sorted(task.parent_state):
        value = task.parent_state[key].detach().cpu().contiguous().reshape(-1)
        digest.update(key.encode())
        digest.update(str(value.dtype).encode())
        digest.update(value.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def task_message(task: ChildTask, device: str | None = None) -> dict[str, Any]:
    """The task without its parent weights (see `parent_key`), JSON-ready. `device` replaces the recipe's
    device: an executor that gives each child a GPU of its own sends "cuda" (the worker's only device)."""
    train_config = task.train_config if device is None else replace(task.train_config, device=device)
    return {
        "trial_id": task.trial_id,
        "parent_spec": task.parent_spec.to_json(),
        "edits": [edit.to_json() for edit in task.edits],
        "train_config": train_config.to_dict(),
        "seed": task.seed,
        "weight_reuse": task.weight_reuse,
        "widen_noise": task.widen_noise,
        "deepen_noise": task.deepen_noise,
        "calibration_size": task.calibration_size,
        "measure_inherited": task.measure_inherited,
        "keep_weights": task.keep_weights,
        "deadline": task.deadline,
        "train_seed": task.train_seed,
    }


def task_from_message(message: dict[str, Any], parent_state: StateDict | None) -> ChildTask:
    """Inverse of `task_message`, with the parent weights found under the task's key."""
    return ChildTask(
        trial_id=int(message["trial_id"]),
        parent_spec=spec_from_json(message["parent_spec"]),
        parent_state=parent_state,
        edits=tuple(Edit.from_json(edit) for edit in message["edits"]),
        train_config=TrainConfig.from_dict(message["train_config"]),
        seed=int(message["seed"]),
        weight_reuse=bool(message["weight_reuse"]),
        widen_noise=float(message["widen_noise"]),
        deepen_noise=float(message["deepen_noise"]),
        calibration_size=int(message["calibration_size"]),
        measure_inherited=bool(message["measure_inherited"]),
        keep_weights=bool(message["keep_weights"]),
        deadline=message["deadline"],
        train_seed=None if message.get("train_seed") is None else int(message["train_seed"]),
    )


def result_message(result: ChildResult) -> dict[str, Any]:
    """The result as JSON-ready values plus its weights (CPU tensors) when it kept them."""
    return {
        "trial_id": result.trial_id,
        "status": result.status,
        "spec": result.spec.to_json(),
        "validation_accuracy": result.validation_accuracy,
        "accuracy_before": result.accuracy_before,
        "train_seconds": result.train_seconds,
        "message": result.message,
        "state": None if result.state is None else {k: v.detach().cpu() for k, v in result.state.items()},
    }


def result_from_message(message: dict[str, Any]) -> ChildResult:
    """Inverse of `result_message`."""
    return ChildResult(
        trial_id=int(message["trial_id"]),
        status=str(message["status"]),
        spec=spec_from_json(message["spec"]),
        validation_accuracy=message["validation_accuracy"],
        accuracy_before=message["accuracy_before"],
        train_seconds=float(message["train_seconds"]),
        message=str(message["message"]),
        state=message["state"],
    )
