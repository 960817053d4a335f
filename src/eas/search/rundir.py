"""Layout of a run directory and the files in it that are not trials: config, checkpoint, networks.

run_dir/config.json         resolved SearchConfig
run_dir/environment.json    versions, device, threads, git commit of each session (search/environment.py)
run_dir/trials.sqlite       the trial store (WAL)
run_dir/checkpoint.pt       strategy state + episodes completed (atomic replace)
run_dir/start/              the trained start network (checkpoint folder)
run_dir/networks/trial-N/   weights of the best networks (checkpoint folders)
run_dir/stages/stage-N/     start network of stage N when the search restarts from its best
run_dir/final/              the best network trained on training + validation images, with its test accuracy
run_dir/search.log          human-readable log
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch

from eas.checkpoint import atomic_write_text, has_checkpoint, load_checkpoint, save_checkpoint
from eas.search.config import SearchConfig
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Spec


class RunDirectory:
    """Paths and small file operations of one run directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.config_path = self.root / "config.json"
        self.store_path = self.root / "trials.sqlite"
        self.checkpoint_path = self.root / "checkpoint.pt"
        self.start_dir = self.root / "start"
        self.networks_dir = self.root / "networks"
        self.log_path = self.root / "search.log"
        self.final_dir = self.root / "final"

    def exists(self) -> bool:
        """True when the folder holds a search run (its config and trial store)."""
        return self.config_path.is_file() and self.store_path.is_file()

    def resolve_config(self, config: SearchConfig) -> SearchConfig:
        """The config to run with: the stored one (with the new budgets) when resuming, else `config`.

        Raises ValueError naming the fields when the stored run used other settings.
        """
        if self.config_path.is_file():
            stored = SearchConfig.from_dict(json.loads(self.config_path.read_text()))
            differences = stored.differences(config)
            if differences:
                raise ValueError(
                    f"{self.root} holds a run with other settings ({', '.join(differences)} differ); "
                    "re-run with the same options to resume it, or choose a new --run-dir"
                )
            config = stored.with_budgets_of(config)
        atomic_write_text(self.config_path, json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n")
        return config

    def load_progress(self) -> tuple[int, dict[str, Any]]:
        """(episodes completed, strategy state) from the checkpoint, or (0, {}) for a new run."""
        if not self.checkpoint_path.is_file():
            return 0, {}
        payload = torch.load(self.checkpoint_path, weights_only=True)
        return int(payload["episodes_completed"]), payload["strategy"]

    def save_progress(self, episodes_completed: int, strategy_state: dict[str, Any]) -> None:
        """Write the checkpoint through a temporary file and `os.replace` (never half-written)."""
        temporary = self.checkpoint_path.with_name(".checkpoint.pt.tmp")
        torch.save({"episodes_completed": episodes_completed, "strategy": strategy_state}, temporary)
        os.replace(temporary, self.checkpoint_path)

    def stage_dir(self, stage: int) -> Path:
        """Checkpoint folder of the start network of a later stage (kept for good, unlike networks/)."""
        return self.root / "stages" / f"stage-{stage}"

    def network_dir(self, trial_id: int) -> Path:
        """Checkpoint folder of a kept network."""
        return self.networks_dir / f"trial-{trial_id}"

    def trial_dir(self, trial: Trial) -> Path:
        """Where the weights of a trial live when kept: start/, stages/stage-N/ or networks/trial-N/."""
        if trial.episode == START_EPISODE:
            return self.start_dir if trial.slot == 0 else self.stage_dir(trial.slot)
        assert trial.trial_id is not None
        return self.network_dir(trial.trial_id)

    def save_network(self, trial_id: int, spec: Spec, state: dict[str, torch.Tensor], metrics: dict[str, Any]) -> Path:
        """Keep a child network's weights."""
        return save_checkpoint(self.network_dir(trial_id), spec, state, metrics)

    def load_start(self) -> tuple[Spec, dict[str, torch.Tensor], dict[str, Any]]:
        """The start network's checkpoint."""
        return load_checkpoint(self.start_dir)

    def has_weights(self, trial: Trial) -> bool:
        """True when the weights of that trial are kept."""
        return has_checkpoint(self.trial_dir(trial))

    def prune_networks(self, keep: set[int]) -> None:
        """Delete kept networks whose trial ids are not in `keep`."""
        if not self.networks_dir.is_dir():
            return
        for folder in self.networks_dir.iterdir():
            name = folder.name
            if name.startswith("trial-") and name[6:].isdigit() and int(name[6:]) not in keep:
                shutil.rmtree(folder, ignore_errors=True)
