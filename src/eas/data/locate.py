"""Where dataset files are looked for: `root`, `$EAS_DATA_DIR`, `~/.cache/eas/<name>`, system folders.

Every reader uses the same order so that the error message for missing data can list exactly
the places that were searched.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)

DATA_DIR_VARIABLE = "EAS_DATA_DIR"

T = TypeVar("T")


def env_data_dir() -> Path | None:
    """Return `$EAS_DATA_DIR` as a path, or None when it is unset or empty."""
    value = os.environ.get(DATA_DIR_VARIABLE, "").strip()
    return Path(value).expanduser() if value else None


def cache_dir(folder_name: str) -> Path:
    """Return `~/.cache/eas/<folder_name>` (HOME is read at call time, so tests can move it)."""
    return Path.home() / ".cache" / "eas" / folder_name


def root_places(folder_name: str, root: str | os.PathLike[str] | None) -> list[Path]:
    """Return `[root, root/<folder_name>]`, or an empty list when `root` is None."""
    if root is None:
        return []
    root_path = Path(root).expanduser()
    return [root_path, root_path / folder_name]


def candidate_places(
    folder_name: str,
    root: str | os.PathLike[str] | None,
    system_places: Sequence[Path] = (),
) -> list[Path]:
    """Return the places to search, in order and without duplicates.

    Order: `root`, `root/<folder_name>`, `$EAS_DATA_DIR`, `$EAS_DATA_DIR/<folder_name>`,
    `~/.cache/eas/<folder_name>`, then `system_places`.
    """
    places = root_places(folder_name, root)
    env_dir = env_data_dir()
    if env_dir is not None:
        places += [env_dir, env_dir / folder_name]
    places.append(cache_dir(folder_name))
    places += list(system_places)
    unique: list[Path] = []
    for place in places:
        if place not in unique:
            unique.append(place)
    return unique


def search(
    places: Sequence[Path],
    probe: Callable[[Path], T | None],
    explicit_places: Sequence[Path] = (),
    dataset: str = "dataset",
) -> T | None:
    """Return the first non-None `probe(place)`, or None when no place has the data.

    `probe` returns None when a place holds nothing of the dataset and raises DatasetError when it
    holds a broken or incomplete copy (that is never skipped silently). `explicit_places` are the
    ones the caller asked for (from `root`): when the data is found elsewhere a warning says so.
    """
    for place in places:
        found = probe(place)
        if found is not None:
            if explicit_places and place not in explicit_places:
                logger.warning("%s: nothing found under %s; using %s instead", dataset, explicit_places[0], place)
            return found
    return None


def format_places(places: Sequence[Path]) -> str:
    """Render the searched places as an indented list for error messages."""
    return "\n".join(f"  - {place}" for place in places)
