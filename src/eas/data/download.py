"""All-or-nothing download of a set of files with MD5 checks (used for Fashion-MNIST only).

Each file goes to a hidden temporary file in the destination folder; only when every file has
arrived with the right checksum are they renamed into place, so a failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO, Final

from eas.data.types import DatasetError

logger = logging.getLogger(__name__)

_CHUNK: Final = 1 << 20


def file_url(base_url: str, filename: str) -> str:
    """Join `base_url` (with or without a trailing slash) and `filename`."""
    return urllib.parse.urljoin(base_url if base_url.endswith("/") else base_url + "/", filename)


def download_files(
    base_url: str,
    checksums: Mapping[str, str],
    destination: Path,
    timeout: float = 60.0,
) -> list[Path]:
    """Download every file named in `checksums` from `base_url` into `destination`.

    `checksums` maps file name to its expected MD5 hex digest. Returns the final paths. Raises
    DatasetError naming the URL and the reason (network error, HTTP status, checksum mismatch);
    in that case none of the files is left in `destination` (nor the folder, if this call made it).
    """
    scheme = urllib.parse.urlsplit(base_url).scheme
    if scheme not in ("http", "https"):
        raise DatasetError(f"download URL {base_url!r} must start with http:// or https://")
    created = not destination.exists()
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatasetError(f"{destination}: cannot create the download folder ({error})") from error
    temporaries: dict[str, Path] = {}
    finals: list[Path] = []
    try:
        for filename, expected_md5 in checksums.items():
            url = file_url(base_url, filename)
            try:
                handle, temporary_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=destination)
            except OSError as error:
                raise DatasetError(f"{destination}: cannot write there ({error})") from error
            temporaries[filename] = Path(temporary_name)
            logger.info("downloading %s", url)
            with os.fdopen(handle, "wb") as output:
                actual_md5 = _fetch(url, output, timeout)
            if actual_md5 != expected_md5.lower():
                raise DatasetError(
                    f"{url}: MD5 checksum mismatch (expected {expected_md5}, got {actual_md5}); the download "
                    "is corrupt or the server holds different files"
                )
        for filename, temporary in temporaries.items():
            final = destination / filename
            os.replace(temporary, final)
            finals.append(final)
        return finals
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
        if created and not finals:
            with contextlib.suppress(OSError):  # never hide the download error behind this one
                destination.rmdir()  # a failed first download leaves no empty cache folder either


def _fetch(url: str, output: BinaryIO, timeout: float) -> str:
    """Stream `url` into the binary file `output`; return the MD5 hex digest of what was written."""
    digest = hashlib.md5(usedforsecurity=False)  # integrity check against the published sums only
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # scheme checked above
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                output.write(chunk)
    except urllib.error.HTTPError as error:
        raise DatasetError(f"{url}: the server answered HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        raise DatasetError(f"{url}: cannot connect ({error.reason})") from error
    except (OSError, http.client.HTTPException) as error:
        raise DatasetError(f"{url}: download failed ({error!r})") from error
    return digest.hexdigest()
