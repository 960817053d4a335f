"""Keeps every data test away from the user's data folders and from the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.data import fashion_mnist


@pytest.fixture(autouse=True)
def isolated_data_places(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME at an empty folder, unset EAS_DATA_DIR, hide the system copy, block downloads.

    Returns the fake home folder.
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("EAS_DATA_DIR", raising=False)
    # Nothing listens on the discard port of the loopback interface: a download fails at once.
    monkeypatch.setenv("EAS_FASHION_MNIST_URL", "http://127.0.0.1:9/")
    monkeypatch.setattr(fashion_mnist, "SYSTEM_PLACES", [home / "system" / "fashion-mnist"])
    return home
