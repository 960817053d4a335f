"""`environment.json` of a run directory: what ran the search (package versions, device, threads, git commit).

One record per session: a resumed run appends its own, so that a run resumed on another machine or
with other code shows it. The record describes the process that runs the search loop; children on a
Ray cluster may run elsewhere.
"""

from __future__ import annotations

import json
import logging
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy
import torch

from eas.checkpoint import atomic_write_text
from eas.search.config import SearchConfig

ENVIRONMENT_FILE = "environment.json"
logger = logging.getLogger("eas.search")
# A git that hangs (a network file system, a credential prompt) must not hold up the search.
GIT_TIMEOUT_SECONDS = 10.0


def package_versions() -> dict[str, str]:
    """Versions of eas, torch, numpy, Python, and ray when it is installed (read without importing it)."""
    versions = {
        # Read from the installed metadata: the search layer does not import the package root.
        "eas": _installed_version("eas") or "unknown",
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }
    ray_version = _installed_version("ray")
    if ray_version is not None:
        versions["ray"] = ray_version
    return versions


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def cpu_model() -> str | None:
    """The CPU's model name from /proc/cpuinfo (Linux), else what `platform` knows, else None."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or None


def training_devices(config: SearchConfig) -> list[str]:
    """The devices the config's recipes name, sorted and without repeats."""
    recipes = [config.start_training, config.child_training, config.final_training, config.stage_training]
    return sorted({recipe.device for recipe in recipes if recipe is not None})


def cuda_device_names(devices: list[str]) -> dict[str, str]:
    """The GPU name of each CUDA device in `devices` ('cuda' is the current one); empty when none is used.

    CUDA is only touched when a recipe names it: initialising it for a CPU run would cost time for nothing.
    """
    used = [device for device in devices if device.startswith("cuda")]
    if not used or not torch.cuda.is_available():
        return {}
    return {device: torch.cuda.get_device_name(torch.device(device)) for device in used}


def git_commit(folder: Path) -> dict[str, Any] | None:
    """{'commit': HEAD, 'dirty': uncommitted changes to tracked files} of the checkout holding `folder`.

    None when git is missing or `folder` is not tracked in a checkout (an installed wheel, even one
    installed into a virtual environment inside some other checkout).
    """

    def git(*arguments: str) -> str | None:
        try:
            # --no-optional-locks: reading the state must never write the checkout's index.
            completed = subprocess.run(
                ["git", "--no-optional-locks", "-C", str(folder), *arguments],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return completed.stdout if completed.returncode == 0 else None

    if git("ls-files", "--error-unmatch", "__init__.py") is None:
        return None
    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    if commit is None or status is None:
        return None
    return {"commit": commit.strip(), "dirty": bool(status.strip())}


def environment_record(config: SearchConfig) -> dict[str, Any]:
    """What this process runs the search with: time, command, versions, host, device, threads, code."""
    devices = training_devices(config)
    record: dict[str, Any] = {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "argv": list(sys.argv),
        "versions": package_versions(),
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "devices": devices,
        "cuda_devices": cuda_device_names(devices),
        "torch_threads": torch.get_num_threads(),
    }
    # The package's own folder (src/eas in a checkout): this file lives in its `search` sub-package.
    git = git_commit(Path(__file__).resolve().parents[1])
    if git is not None:
        record["git"] = git
    return record


def record_environment(run_dir: str | Path, config: SearchConfig) -> dict[str, Any]:
    """Append this session's record to `run_dir/environment.json` (created on the first session); returns it.

    An unreadable earlier file is logged and replaced: the record is for people, never read back by a run.
    """
    path = Path(run_dir) / ENVIRONMENT_FILE
    sessions: list[Any] = []
    if path.is_file():
        try:
            sessions = list(json.loads(path.read_text())["sessions"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            logger.warning("%s could not be read (%s); starting it again", path, error)
    record = environment_record(config)
    sessions.append(record)
    atomic_write_text(path, json.dumps({"sessions": sessions}, indent=2) + "\n")
    return record
