"""The resumable result log of the long benchmarks: one CSV row per finished measurement, appended at
once, so that an interrupted benchmark skips what it already measured when it is run again."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path


def recorded(path: Path) -> list[dict[str, str]]:
    """Rows already in the CSV (none when it does not exist yet)."""
    if not path.is_file():
        return []
    with path.open(newline="") as stream:
        return list(csv.DictReader(stream))


def append_row(path: Path, fields: Sequence[str], row: Mapping[str, object]) -> None:
    """Append `row` to the CSV, writing the header first when the file is new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.is_file()
    with path.open("a", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(fields))
        if new_file:
            writer.writeheader()
        writer.writerow(row)
