"""Atomic RFC 4180 CSV files, written in chunks with pandas.

A :class:`CsvFile` writes to ``<name>.partial`` next to the final name and renames it only
when :meth:`CsvFile.commit` is called: a file under its final name is always whole. Leaving the
``with`` block without committing (an error, Ctrl-C) removes the temporary file. The SHA-256
and the row count are computed while writing, so the file is never read back.

Dialect: comma, every field quoted (as ``Export-Csv``), quotes doubled, CRLF line ends,
embedded newlines kept inside quotes; ``utf-8-sig`` writes the BOM once, ``utf-8`` none.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import pandas as pd

from ocm_tool.errors import OutputError

ENCODINGS = ("utf-8-sig", "utf-8")
PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True)
class CsvResult:
    """A committed file: where it is, how many data rows it has, its SHA-256 and size."""

    path: Path
    rows: int
    sha256: str
    size: int


def output_error(error: OSError, path: Path) -> OutputError:
    """An :class:`OutputError` for an ``OSError`` met while writing ``path``."""
    reason = error.strerror or str(error)
    return OutputError(
        f"could not write {path}: {reason}",
        hint=f"check free disk space and write permission in {path.parent}, or pass --output-dir",
    )


def encode_rows(columns: Sequence[str], rows: Sequence[Sequence[str]], *, header: bool) -> str:
    """The CSV text of ``rows`` (and the header line when ``header``), in this module's dialect."""
    frame = pd.DataFrame(list(rows), columns=list(columns), dtype=object)
    return frame.to_csv(
        index=False, header=header, quoting=csv.QUOTE_ALL, lineterminator="\r\n", na_rep=""
    )


class CsvFile:
    """One CSV file written atomically: ``with CsvFile(...) as out: out.write(rows); out.commit()``.

    The header is written on entering, so a file with no rows is header-only. Every ``OSError``
    (disk full, permission denied) becomes :class:`~ocm_tool.errors.OutputError`.
    """

    def __init__(self, path: Path, columns: Sequence[str], *, encoding: str = "utf-8-sig") -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}")
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + PARTIAL_SUFFIX)
        self.columns = list(columns)
        self.encoding = encoding
        self.rows = 0
        self._hash = hashlib.sha256()
        self._size = 0
        self._file: BinaryIO | None = None
        self._result: CsvResult | None = None

    def __enter__(self) -> CsvFile:
        try:
            self._file = open(self.partial, "xb")
        except OSError as error:
            raise output_error(error, self.partial) from error
        try:
            if self.encoding == "utf-8-sig":
                self._emit(b"\xef\xbb\xbf")
            self._emit(encode_rows(self.columns, [], header=True).encode("utf-8"))
            self._flush()
        except BaseException:
            self._discard()
            raise
        return self

    def write(self, rows: Sequence[Sequence[str]]) -> None:
        """Append a chunk of rows (each as many cells as there are columns)."""
        if self._file is None or self._result is not None:
            raise RuntimeError("CsvFile.write outside of its with block or after commit")
        if rows:
            self._emit(encode_rows(self.columns, rows, header=False).encode("utf-8"))
            self.rows += len(rows)
        self._flush()

    def commit(self) -> CsvResult:
        """Flush, fsync, close and rename to the final name; return what was written."""
        if self._file is None:
            raise RuntimeError("CsvFile.commit outside of its with block")
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self.partial, self.path)
        except OSError as error:
            raise output_error(error, self.path) from error
        self._file = None
        self._result = CsvResult(self.path, self.rows, self._hash.hexdigest(), self._size)
        return self._result

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._result is None:
            self._discard()

    def _flush(self) -> None:
        """Hand what was written to the OS: the chunk is on disk, not in this process."""
        assert self._file is not None
        try:
            self._file.flush()
        except OSError as error:
            raise output_error(error, self.partial) from error

    def _emit(self, data: bytes) -> None:
        assert self._file is not None
        try:
            self._file.write(data)
        except OSError as error:
            raise output_error(error, self.partial) from error
        self._hash.update(data)
        self._size += len(data)

    def _discard(self) -> None:
        """Close and remove the temporary file; never leaves a final-name file behind."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self.partial.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file, fsync and rename (the manifest)."""
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        with open(partial, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise output_error(error, path) from error
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
