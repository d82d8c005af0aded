"""Facts about files already written: their SHA-256 and their path relative to the report."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ocm_tool.output.atomic import output_error


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file (read in blocks); an ``OutputError`` when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise output_error(error, path) from error
    return digest.hexdigest()


def relative(path: Path, folder: Path) -> str:
    """``path`` as seen from ``folder`` (POSIX separators), or whole when it is not inside."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)
