"""A restricted unpickler for dataset files (CIFAR-10's python batches).

A pickle can call any importable function while loading; this one resolves only the few numpy
globals needed to rebuild arrays and refuses everything else with a DatasetError.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable
from typing import Any, Final

import numpy as np

from eas.data.types import DatasetError

try:  # numpy >= 2 moved the internals to numpy._core; old pickles still name numpy.core
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # pragma: no cover - numpy 1.x
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]
    from numpy.core import numeric as _numeric  # type: ignore[no-redef]


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    # Python 3 writes bytes in protocol-2 pickles as _codecs.encode(text, "latin1"); only that
    # exact use is allowed, so no other codec machinery can be reached through a pickle.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed with the latin1 encoding")
    return text.encode("latin1")


_ALLOWED: Final[dict[tuple[str, str], Callable[..., Any] | type]] = {}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "_reconstruct")] = _multiarray._reconstruct
    _ALLOWED[(_module, "scalar")] = _multiarray.scalar
for _module in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_module, "_frombuffer")] = _numeric._frombuffer  # type: ignore[attr-defined]  # private, not in the stubs
_ALLOWED[("numpy", "ndarray")] = np.ndarray
_ALLOWED[("numpy", "dtype")] = np.dtype
_ALLOWED[("_codecs", "encode")] = _latin1_encode


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler whose `find_class` only yields numpy's array-rebuilding helpers."""

    def __init__(self, file: io.BufferedIOBase | io.BytesIO, source: str) -> None:
        # encoding="bytes": CIFAR-10 was pickled by Python 2, its str keys and data come back as bytes.
        super().__init__(file, encoding="bytes")
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise DatasetError(
                f"{self.source}: the pickle refers to {module}.{name}, which is not allowed in a dataset "
                "file (only numpy arrays are); the file is not an official CIFAR-10 batch or has been "
                "tampered with, fetch it again"
            )
        return allowed

    def persistent_load(self, pid: Any) -> Any:
        raise DatasetError(f"{self.source}: the pickle uses persistent ids, which dataset files never need")


def restricted_loads(data: bytes, source: str) -> Any:
    """Unpickle `data` (read from `source`, named in errors) allowing only numpy arrays.

    Raises DatasetError for a forbidden global or a corrupt pickle.
    """
    try:
        return RestrictedUnpickler(io.BytesIO(data), source).load()
    except DatasetError:
        raise
    except Exception as error:  # a corrupt pickle can fail in many ways (EOFError, KeyError, ...)
        raise DatasetError(
            f"{source}: cannot unpickle the file ({type(error).__name__}: {error}); it is truncated or "
            "corrupt, fetch it again"
        ) from error
