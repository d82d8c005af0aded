"""Writing tables and files: one atomic writer, and a protocol every table format implements.

- :mod:`~ocm_tool.output.atomic`: files that appear whole or not at all (``AtomicFile``,
  ``write_atomically``); every file ocm-tool writes goes through it.
- :mod:`~ocm_tool.output.values`: the typed values of a cell and their text form.
- :mod:`~ocm_tool.output.csv`: the CSV format, the first :class:`TableFormat`.
- :mod:`~ocm_tool.output.rundir`: the run folder ``<account>_<yyyyMMddTHHmmssffff>``.

A **format** makes one :class:`TableWriter` per table; a table's file is named after its stem
and the format's suffix (``Contacts`` + ``.csv``). Adding a format is a new module with a class
that satisfies :class:`TableFormat`, and a way for the export commands to choose it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from ocm_tool.output.values import Value


@dataclass(frozen=True)
class WrittenTable:
    """A committed table: its file, how many data rows it has, its SHA-256 and size."""

    path: Path
    rows: int
    sha256: str
    size: int


class TableWriter(Protocol):
    """One table, written atomically.

    Entering writes the header (a table with no rows is header-only); :meth:`write` appends
    rows, each with one value per column; :meth:`commit` makes the file appear under its final
    name; leaving the ``with`` block without committing discards everything. Errors are
    :class:`~ocm_tool.errors.OutputError`.
    """

    rows: int

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def write(self, rows: Sequence[Sequence[Value]]) -> None: ...

    def commit(self) -> WrittenTable: ...


class TableFormat(Protocol):
    """A file format for tables: its name (``--format``), suffix, and a writer per table."""

    @property
    def name(self) -> str: ...

    @property
    def suffix(self) -> str: ...

    def table(self, folder: Path, stem: str, header: Sequence[str]) -> TableWriter:
        """A writer of the table ``folder/<stem><suffix>`` with these column headers."""
        ...

    def file_name(self, stem: str) -> str:
        """The name of a table's file: its stem and this format's suffix."""
        ...
