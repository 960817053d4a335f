"""Tests for the Fashion-MNIST download against a loopback HTTP server (no internet needed)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from eas.data import DatasetError, fashion_mnist, load_dataset
from eas.data.download import download_files, file_url

from .formats import write_fashion


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a folder; yields (base URL, folder)."""
    folder = tmp_path / "served"
    folder.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def md5_of(folder: Path) -> dict[str, str]:
    return {
        f"{stem}.gz": hashlib.md5((folder / f"{stem}.gz").read_bytes()).hexdigest() for stem in fashion_mnist.FILE_STEMS
    }


def test_download_then_load(served: tuple[str, Path], tmp_path: Path) -> None:
    url, folder = served
    arrays = write_fashion(folder, train=30, test=6)
    destination = tmp_path / "downloaded"
    files = fashion_mnist.download_fashion_mnist(destination, url, md5_of(folder), timeout=5)
    assert sorted(path.name for path in destination.iterdir()) == sorted(md5_of(folder))
    assert set(files) == set(fashion_mnist.FILE_STEMS)
    dataset = load_dataset("fashion-mnist", root=destination, validation_size=3)
    np.testing.assert_array_equal(dataset.test.labels.numpy(), arrays["t10k-labels-idx1-ubyte"])


def test_load_dataset_downloads_into_eas_data_dir(
    served: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, folder = served
    write_fashion(folder, train=30, test=6)
    monkeypatch.setenv("EAS_FASHION_MNIST_URL", url.rstrip("/"))
    monkeypatch.setenv("EAS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(fashion_mnist, "OFFICIAL_MD5", md5_of(folder))
    dataset = load_dataset("fashion-mnist")
    assert len(dataset.test) == 6
    assert (tmp_path / "data" / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file()


def test_download_into_home_cache(
    served: tuple[str, Path], isolated_data_places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, folder = served
    write_fashion(folder, train=30, test=6)
    monkeypatch.setenv("EAS_FASHION_MNIST_URL", url)
    monkeypatch.setattr(fashion_mnist, "OFFICIAL_MD5", md5_of(folder))
    assert len(load_dataset("fashion-mnist").test) == 6
    assert (isolated_data_places / ".cache" / "eas" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").is_file()


def test_checksum_mismatch_leaves_nothing(served: tuple[str, Path], tmp_path: Path) -> None:
    url, folder = served
    write_fashion(folder, train=30, test=6)
    checksums = md5_of(folder)
    checksums["t10k-images-idx3-ubyte.gz"] = "0" * 32
    destination = tmp_path / "downloaded"
    destination.mkdir()  # an existing folder is kept, but gets none of the files
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte\.gz: MD5 checksum mismatch \(expected 0+, got"):
        fashion_mnist.download_fashion_mnist(destination, url, checksums, timeout=5)
    assert list(destination.iterdir()) == []  # neither the good files nor any .part file


def test_checksum_mismatch_through_load_dataset(
    served: tuple[str, Path], isolated_data_places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, folder = served
    write_fashion(folder, train=30, test=6)
    monkeypatch.setenv("EAS_FASHION_MNIST_URL", url)
    with pytest.raises(DatasetError, match=r"(?s)looked in:.*MD5 checksum mismatch.*apt-get install"):
        load_dataset("fashion-mnist")  # the official sums do not match the test files
    assert not (isolated_data_places / ".cache" / "eas" / "fashion-mnist").exists()


def test_missing_file_on_server(served: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = served
    with pytest.raises(DatasetError, match=r"nothing\.gz: the server answered HTTP 404"):
        download_files(url, {"nothing.gz": "0" * 32}, tmp_path / "out", timeout=5)
    assert not (tmp_path / "out").exists()


def test_unreachable_server_and_bad_scheme(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot connect"):
        download_files("http://127.0.0.1:9/", {"a.gz": "0" * 32}, tmp_path / "out", timeout=5)
    with pytest.raises(DatasetError, match="http"):
        download_files("ftp://example.invalid/", {"a.gz": "0" * 32}, tmp_path / "out", timeout=5)


def test_file_url_joins_with_or_without_slash() -> None:
    assert file_url("http://host/dir", "a.gz") == "http://host/dir/a.gz"
    assert file_url("http://host/dir/", "a.gz") == "http://host/dir/a.gz"


def test_official_checksums_are_the_published_ones() -> None:
    # Published by zalandoresearch/fashion-mnist; the Debian copies are re-gzipped, so they differ.
    assert fashion_mnist.OFFICIAL_MD5 == {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
