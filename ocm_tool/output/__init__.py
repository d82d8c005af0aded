"""Writing tables and files: one atomic writer, and the protocols every table format implements.

- :mod:`~ocm_tool.output.atomic`: files that appear whole or not at all (``AtomicFile``,
  ``write_atomically``); every file ocm-tool writes goes through it.
- :mod:`~ocm_tool.output.values`: the typed values of a cell and their text form.
- :mod:`~ocm_tool.output.cells`: what every writer does to a cell's text: formula cells
  counted and neutralised (``--escape-formulas``), lone surrogates replaced.
- :mod:`~ocm_tool.output.csv`: the CSV format (a file per table).
- :mod:`~ocm_tool.output.xlsx`: the Excel workbook format (one file for the run, a sheet per
  table).
- :mod:`~ocm_tool.output.rundir`: the run folder ``<account>_<yyyyMMddTHHmmssffff>``.
- :mod:`~ocm_tool.output.livereport`: a report rewritten whole as a run goes on.

A **format** is opened once per run folder (:meth:`TableFormat.open`, with the stems of the
run's tables in their order) and makes one :class:`TableWriter` per table. A format with a file
per table (CSV) commits each file when its table commits; a format with one file for the run
(the workbook) takes each committed table in and writes its file in :meth:`FormatRun.finish`,
when the run ends. Several formats can be open for one run: every chunk of rows goes to each.
Adding a format is a new module with a class that satisfies :class:`TableFormat`, and a name
for ``--format``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from ocm_tool.output.atomic import WrittenFile
from ocm_tool.output.values import Value


@dataclass(frozen=True)
class WrittenTable:
    """A committed table: its name in its format, how many data rows it has, and the SHA-256 of
    its own file (``None`` when the table is part of a run's file, a workbook's sheet).

    ``cut_cells``: cells the format had to cut (a workbook cell holds 32,767 characters);
    ``parts``: where the table went inside a run's file (its sheets, in order);
    ``formulas``: text cells a spreadsheet would read as formulas (neutralised or not, as the
    format was asked); ``replaced``: characters no file can hold (lone surrogates) replaced by
    U+FFFD. See :mod:`~ocm_tool.output.cells`.
    """

    name: str
    rows: int
    sha256: str | None
    cut_cells: int = 0
    parts: tuple[str, ...] = ()
    formulas: int = 0
    replaced: int = 0


class TableWriter(Protocol):
    """One table, written atomically.

    Entering writes the header (a table with no rows is header-only); :meth:`write` appends
    rows, each with one value per column; :meth:`commit` makes the table final (its file under
    its final name, or its place in the run's file); leaving the ``with`` block without
    committing discards everything of it. Errors are :class:`~ocm_tool.errors.OutputError`.
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


class FormatRun(Protocol):
    """A format's output in one run folder (a context manager).

    :meth:`table` may be called from several threads at once (one per table); a format
    serialises what it must. :meth:`finish` writes the run's own file, if the format has one,
    from the tables committed so far, and returns it (``None``: the format writes a file per
    table). Leaving the ``with`` block without finishing leaves no run file behind.
    """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def table(self, stem: str, header: Sequence[str]) -> TableWriter:
        """A writer of the table ``stem`` with these column headers."""
        ...

    def finish(self) -> WrittenFile | None: ...


class TableFormat(Protocol):
    """A file format for tables: its name (``--format``), what it calls a table, and its output
    for a run folder."""

    @property
    def name(self) -> str: ...

    @property
    def run_file(self) -> str | None:
        """The name of the run's own file (``OCM-Export.xlsx``); ``None``: a file per table."""
        ...

    def table_name(self, stem: str) -> str:
        """What the table ``stem`` is called in this format: its file (``Contacts.csv``), or its
        place in the run's file (``OCM-Export.xlsx: Contacts``)."""
        ...

    def open(self, folder: Path, stems: Sequence[str]) -> FormatRun:
        """Start writing the tables ``stems`` (in the run's order) in ``folder``."""
        ...
