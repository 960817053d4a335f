"""Tests for eas.data.locate: the search order shared by every reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.data.locate import candidate_places, search


def test_order_and_no_duplicates(tmp_path: Path, isolated_data_places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EAS_DATA_DIR", str(tmp_path / "env"))
    places = candidate_places("svhn", tmp_path / "root", [Path("/sys-place"), tmp_path / "env"])
    assert places == [
        tmp_path / "root",
        tmp_path / "root" / "svhn",
        tmp_path / "env",
        tmp_path / "env" / "svhn",
        isolated_data_places / ".cache" / "eas" / "svhn",
        Path("/sys-place"),
    ]


def test_without_root_or_env(isolated_data_places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EAS_DATA_DIR", "  ")  # blank counts as unset
    assert candidate_places("cifar10", None) == [isolated_data_places / ".cache" / "eas" / "cifar10"]


def test_search_returns_the_first_hit() -> None:
    places = [Path("/a"), Path("/b"), Path("/c")]
    seen: list[Path] = []

    def probe(place: Path) -> str | None:
        seen.append(place)
        return place.name if place.name != "a" else None

    assert search(places, probe) == "b"
    assert seen == [Path("/a"), Path("/b")]
    assert search(places, lambda place: None) is None
