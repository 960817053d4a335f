"""Failures to write the run directory (its disk full, read-only, not ours), named with their fix.

The store commits each write as one SQLite transaction and files are replaced atomically, so such a
failure leaves what was saved before intact: the message says so, and that re-running the same
command resumes once the directory can be written again.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# SQLite's primary result codes (`sqlite_errorcode` may carry an extended code in its upper bits).
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_DISK_FULL = "its disk is full"
_NOT_WRITABLE = "it is not writable"
_INPUT_OUTPUT = "its disk reported an input/output error (a full disk can do this)"


class RunDirectoryWriteError(RuntimeError):
    """The run directory could not be written (disk full, read-only, no permission)."""


def write_problem(error: BaseException, run_dir: Path) -> str | None:
    """What kept `run_dir` from being written, in words, or None when `error` is something else (an
    OS error about a file outside the run directory, such as a dataset, is left as it is)."""
    if isinstance(error, sqlite3.OperationalError):
        # Only the run's store is an SQLite database, so every such error is about the run directory.
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        text = str(error).lower()
        if code == _SQLITE_FULL or "disk is full" in text:
            return _DISK_FULL
        if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN) or "readonly" in text or "unable to open" in text:
            return _NOT_WRITABLE
        if code == _SQLITE_IOERR or "disk i/o error" in text:
            return _INPUT_OUTPUT
        return None
    if not isinstance(error, OSError):
        return None
    if error.filename is not None and not _inside(Path(error.filename), run_dir):
        return None
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _DISK_FULL
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _NOT_WRITABLE
    return None


@contextmanager
def named_write_errors(run_dir: Path) -> Iterator[None]:
    """Turn a failure to write `run_dir` into `RunDirectoryWriteError` naming the problem and the fix."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as error:
        problem = write_problem(error, run_dir)
        if problem is None:
            raise
        fix = (
            f"make it writable (chmod -R u+w {run_dir}) or choose another --run-dir"
            if problem == _NOT_WRITABLE
            else "free some space on its disk (or move the run directory to a disk with room)"
        )
        raise RunDirectoryWriteError(
            f"cannot write the run directory {run_dir}: {problem} ({error}). The trials and checkpoint saved "
            f"before are intact; {fix}, then re-run the same command to resume"
        ) from error


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
