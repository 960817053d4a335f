"""Tests for eas.data.safe_pickle: only numpy's array helpers may be resolved from a pickle."""

from __future__ import annotations

import builtins
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from eas.data import DatasetError
from eas.data.cifar10 import load_cifar10
from eas.data.safe_pickle import restricted_loads

from .formats import cifar_arrays, cifar_files, write_folder


class RunsACommand:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.marker}",)


class CallsEval:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return builtins.eval, ("1 + 1",)


def test_os_system_is_refused_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    payload = pickle.dumps({b"data": RunsACommand(marker), b"labels": []}, protocol=2)
    with pytest.raises(DatasetError, match=r"evil: the pickle refers to (posix|os)\.system, which is not allowed"):
        restricted_loads(payload, "evil")
    assert not marker.exists()


def test_builtins_are_refused() -> None:
    with pytest.raises(DatasetError, match=r"builtins\.eval"):
        restricted_loads(pickle.dumps(CallsEval()), "evil")


def test_codecs_only_for_latin1() -> None:
    import _codecs

    class OtherCodec:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return _codecs.encode, ("text", "rot13")

    with pytest.raises(DatasetError, match="cannot unpickle"):
        restricted_loads(pickle.dumps(OtherCodec(), protocol=2), "odd")
    assert restricted_loads(pickle.dumps(b"\x00\xff", protocol=2), "bytes") == b"\x00\xff"


def test_numpy_arrays_and_scalars_load() -> None:
    array = np.arange(12, dtype=np.uint8).reshape(3, 4)
    for protocol in (2, 3, 4, 5):
        loaded = restricted_loads(pickle.dumps({b"a": array, b"s": np.int64(5)}, protocol=protocol), "ok")
        np.testing.assert_array_equal(loaded[b"a"], array)
        assert loaded[b"s"] == 5


def test_malicious_cifar_batch_names_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    files = cifar_files(cifar_arrays(per_batch=2, test=2))
    files["data_batch_5"] = pickle.dumps({b"data": RunsACommand(marker), b"labels": [0]}, protocol=2)
    write_folder(tmp_path / "batches", files)
    with pytest.raises(DatasetError, match=r"batches/data_batch_5: the pickle refers to"):
        load_cifar10(tmp_path / "batches")
    assert not marker.exists()
