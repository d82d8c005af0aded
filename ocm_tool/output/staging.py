"""Rows kept aside until a run ends: chunks of rows in an anonymous temporary file.

What writes a file for the whole run (the workbook, the import-ready files) receives each
table's rows while they are downloaded and writes its file when the run ends. It keeps them
here: each chunk is pickled to a temporary file in the run folder that has no name (it is
gone when closed, and after a crash), so memory stays flat and no personal data is left in
a half-written file. ``rows`` and ``chunks()`` read them back in order.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ocm_tool.output.atomic import output_error


class StagedRows:
    """``add`` chunks of rows, then read them back with :meth:`chunks` (as often as needed);
    :meth:`close` removes them. ``path`` names the file they are for, in error messages."""

    def __init__(self, folder: Path, path: Path) -> None:
        self.path = path
        self.rows = 0
        try:
            # Closed by close(), which every owner calls however the run ends.
            self._file: IO[bytes] | None = tempfile.TemporaryFile(  # noqa: SIM115
                dir=folder, prefix=".staging-"
            )
        except OSError as error:
            raise output_error(error, path) from error

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self._file is None:
            raise RuntimeError("StagedRows.add after close")
        try:
            pickle.dump(list(rows), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as error:
            raise output_error(error, self.path) from error
        self.rows += len(rows)

    def chunks(self) -> Iterator[list[list[Any]]]:
        """The chunks, in the order they were added."""
        if self._file is None:
            raise RuntimeError("StagedRows.chunks after close")
        self._file.seek(0)
        while True:
            try:
                chunk: list[list[Any]] = pickle.load(self._file)
            except EOFError:
                self._file.seek(0, 2)  # back to the end, for more adds
                return
            yield chunk

    def __iter__(self) -> Iterator[list[Any]]:
        """Every row, in order."""
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # an anonymous file: closing it removes it
            self._file = None
