"""The Excel workbook format: one ``OCM-Export.xlsx`` per run folder, a sheet per table.

Contract (``docs/export.md``, "The workbook"):

- One sheet per table, named like its stem (``Contacts``), in the run's table order; the same
  rows and columns as the CSV files. The header row is bold and frozen, has an autofilter, and
  every column a width that fits its longest value (at most :data:`MAX_WIDTH`).
- Cells are typed from the typed values (``output.values``): dates and instants as dates
  (UTC; a day before 1900-03-01, which Excel cannot hold, as its text), numbers and
  :class:`~ocm_tool.output.values.Amount` as numbers (an amount in its
  currency's format, ``[$EUR] #,##0.00``), booleans as booleans, nothing as a blank cell, and
  everything else as its text form. A string is always written as a string: never a formula,
  a link or a number, whatever it looks like.
- A table longer than a sheet (1,048,575 data rows) continues on ``Contacts (2)``, ``(3)``...,
  each with the header. A text over 32,767 characters (Excel's limit) is cut in the workbook
  only and counted (``WrittenTable.cut_cells``); the CSV keeps it whole.
- Memory stays flat whatever the size: rows are staged as they come, a chunk at a time
  (:class:`~ocm_tool.output.staging.StagedRows`: an anonymous temporary file), and the
  workbook is written when the run finishes, by one thread, with XlsxWriter in
  ``constant_memory`` mode and our own row loop (pandas' ``to_excel`` writes column by
  column and cannot stream). So the download threads never share XlsxWriter, which is not
  thread-safe, and a table that failed never leaves half its rows in the workbook.
- The workbook is written through :class:`~ocm_tool.output.atomic.AtomicFile`: it appears
  whole, with its SHA-256, or not at all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

from ocm_tool.output import WrittenTable
from ocm_tool.output.atomic import AtomicFile, WrittenFile, output_error
from ocm_tool.output.cells import FORMULA_STARTS, TEXT_VALUES, CellText
from ocm_tool.output.staging import StagedRows
from ocm_tool.output.values import Amount, Stamp, Value, amount_text, text_of

WORKBOOK_NAME = "OCM-Export.xlsx"
#: Rows of a sheet, the header included (Excel's limit).
SHEET_ROWS = 1_048_576
#: Characters of a cell (Excel's limit).
CELL_CHARACTERS = 32_767
#: Column widths are cut to this many characters.
MAX_WIDTH = 60
#: Sheet names: at most 31 characters, none of these, unique in any case, not "History".
_SHEET_NAME_LENGTH = 31
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
DATE_FORMAT = "yyyy-mm-dd"
#: An instant (an event time), shown as the CSV writes it: to the hundredth of a second.
INSTANT_FORMAT = "yyyy-mm-dd hh:mm:ss.00"
#: A timestamp kept as the server sent it (its instant, to the second on screen).
STAMP_FORMAT = "yyyy-mm-dd hh:mm:ss"

#: A staged cell: ``None`` (blank), text, a boolean, a number, a day, a timestamp (naive
#: UTC), an instant ``("t", naive UTC)``, or an amount ``("$", value, currency)``.
Cell = None | str | bool | float | date | datetime | tuple[str, datetime] | tuple[str, float, str]


def sheet_name(stem: str) -> str:
    """A sheet name for ``stem`` that Excel accepts (unsafe characters as ``_``, 31 at most)."""
    name = _SHEET_UNSAFE.sub("_", stem).strip("'") or "Sheet"
    if name.casefold() == "history":
        name = f"{name}_"
    return name[:_SHEET_NAME_LENGTH]


def numbered(name: str, number: int) -> str:
    """``Contacts (2)``: the name of a table's ``number``-th sheet, 31 characters at most."""
    if number == 1:
        return name
    suffix = f" ({number})"
    return name[: _SHEET_NAME_LENGTH - len(suffix)] + suffix


def _number(value: int | Decimal) -> float | str:
    """A number Excel holds exactly (15 digits) as a number; anything more as its text."""
    number = float(value)
    if Decimal(repr(number)) == value:
        return number
    return text_of(value)


#: Excel holds days from 1900-01-01, and counts a 1900-02-29 that never was: days before this
#: one are written as their text.
FIRST_DAY = date(1900, 3, 1)


def _instant(moment: datetime) -> datetime | str:
    naive = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return naive if naive.date() >= FIRST_DAY else text_of(moment)


def cell_of(value: Value) -> Cell:
    """The workbook cell of a typed value (see the module contract); text is not cut here."""
    if value is None or value == "":
        return None
    if value.__class__ is str:
        return value  # type: ignore[return-value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return _number(value)
    if isinstance(value, datetime):
        # Cut as the CSV's text is cut (to the hundredth), so both say the same.
        instant = _instant(value.replace(microsecond=value.microsecond // 10_000 * 10_000))
        return instant if isinstance(instant, str) else ("t", instant)
    if isinstance(value, date):
        return value if value >= FIRST_DAY else text_of(value)
    if isinstance(value, Stamp):
        moment = value.moment
        if moment is None:
            return value.text
        instant = _instant(moment)
        return value.text if isinstance(instant, str) else instant
    if isinstance(value, Amount):
        amount = _number(value.value)
        if isinstance(amount, float) and _CURRENCY.match(value.currency):
            return ("$", amount, value.currency.upper())
        return amount_text(value)
    return text_of(value) or None


def _width(cell: Cell) -> int:
    if cell is None:
        return 0
    if isinstance(cell, str):
        return max(map(len, cell.splitlines() or [""]))
    if isinstance(cell, bool):
        return 5
    if isinstance(cell, datetime):
        return len(STAMP_FORMAT)
    if isinstance(cell, date):
        return len(DATE_FORMAT)
    if isinstance(cell, tuple) and len(cell) == 3:
        return len(f"{cell[2]} {cell[1]:,.2f}")
    if isinstance(cell, tuple):
        return len(INSTANT_FORMAT)
    return len(repr(cell))


@dataclass
class _Staged:
    """A committed table waiting for the workbook: its rows in a temporary file."""

    stem: str
    header: list[str]
    rows: int
    widths: list[int]
    cells: StagedRows
    sheets: tuple[str, ...] = ()


class SheetWriter:
    """One table of the workbook (a :class:`~ocm_tool.output.TableWriter`): stages its rows;
    :meth:`commit` hands them to the workbook, which writes them when the run finishes."""

    def __init__(self, run: WorkbookRun, stem: str, header: Sequence[str]) -> None:
        self._run = run
        self.stem = stem
        self.header = list(header)
        self.rows = 0
        self.cut_cells = 0
        self.cells = CellText(escape_formulas=run.format.escape_formulas)
        self._widths = [len(name) + 3 for name in self.header]  # room for the filter button
        self._cells: StagedRows | None = None
        self._committed = False

    def __enter__(self) -> Self:
        self._cells = StagedRows(self._run.folder, self._run.path)
        return self

    def write(self, rows: Sequence[Sequence[Value]]) -> None:
        """Stage a chunk of rows (each as many values as there are columns)."""
        if not rows:
            return
        if self._cells is None or self._committed:
            raise RuntimeError("SheetWriter.write outside of its with block or after commit")
        widths = self._widths
        staged: list[list[Cell]] = []
        for row in rows:
            cells: list[Cell] = []
            for position, value in enumerate(row):
                cell = cell_of(value)
                if isinstance(cell, str) and not cell.isascii():
                    cell = self.cells.encodable(cell)  # XML holds no lone surrogate either
                if (
                    isinstance(cell, str)
                    and cell[:1] in FORMULA_STARTS
                    and isinstance(value, TEXT_VALUES)  # text from the server, not a number
                ):
                    cell = self.cells.text(cell)
                if isinstance(cell, str) and len(cell) > CELL_CHARACTERS:
                    cell = cell[:CELL_CHARACTERS]
                    self.cut_cells += 1
                width = _width(cell)
                if width > widths[position]:
                    widths[position] = min(width, MAX_WIDTH)
                cells.append(cell)
            staged.append(cells)
        self._cells.add(staged)
        self.rows += len(rows)

    def commit(self) -> WrittenTable:
        """Hand the table to the workbook; return its sheets and counts."""
        if self._cells is None:
            raise RuntimeError("SheetWriter.commit outside of its with block")
        staged = _Staged(self.stem, self.header, self.rows, self._widths, self._cells)
        self._committed = True
        sheets = self._run.take(staged)
        return WrittenTable(
            self._run.format.table_name(self.stem),
            self.rows,
            None,
            cut_cells=self.cut_cells,
            parts=sheets,
            formulas=self.cells.formulas,
            replaced=self.cells.replaced,
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._committed and self._cells is not None:
            self._cells.close()
        self._cells = None


@dataclass
class WorkbookRun:
    """The workbook of one run folder (a :class:`~ocm_tool.output.FormatRun`)."""

    format: XlsxFormat
    folder: Path
    stems: Sequence[str]
    _staged: dict[str, _Staged] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._taken = {sheet_name(stem).casefold() for stem in self.stems}

    @property
    def path(self) -> Path:
        return self.folder / self.format.workbook

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close_staged()

    def table(self, stem: str, header: Sequence[str]) -> SheetWriter:
        return SheetWriter(self, stem, header)

    def take(self, staged: _Staged) -> tuple[str, ...]:
        """Keep a committed table; return the names of its sheets."""
        per_sheet = self.format.max_rows
        count = max(1, -(-staged.rows // per_sheet))
        base = sheet_name(staged.stem)
        with self._lock:
            names = [base]
            for number in range(2, count + 1):
                name, extra = numbered(base, number), number
                while name.casefold() in self._taken:
                    extra += count
                    name = numbered(base, extra)
                self._taken.add(name.casefold())
                names.append(name)
            staged.sheets = tuple(names)
            self._staged[staged.stem] = staged
        return staged.sheets

    def finish(self) -> WrittenFile | None:
        """Write the workbook from the committed tables, in the run's order; ``None`` when no
        table was committed (no workbook is written)."""
        with self._lock:
            order = {stem: n for n, stem in enumerate(self.stems)}
            tables = sorted(self._staged.values(), key=lambda t: order.get(t.stem, len(order)))
        if not tables:
            return None
        try:
            with AtomicFile(self.path) as out:
                self._write(out, tables)
                return out.commit()
        finally:
            self._close_staged()

    def _write(self, stream: AtomicFile, tables: Sequence[_Staged]) -> None:
        import xlsxwriter  # loads with the first workbook, not with the command line

        workbook = xlsxwriter.Workbook(
            stream,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": str(self.folder),
            },
        )
        styles = _Styles(workbook)
        try:
            for table in tables:
                self._write_table(workbook, styles, table)
            workbook.close()
        except OSError as error:
            raise output_error(error, self.path) from error

    def _write_table(self, workbook: Any, styles: _Styles, table: _Staged) -> None:
        per_sheet = self.format.max_rows
        sheets = iter(table.sheets)
        sheet: Any = None
        row_number = 0

        def new_sheet() -> Any:
            worksheet = workbook.add_worksheet(next(sheets))
            for column, width in enumerate(table.widths):
                worksheet.set_column(column, column, width)
            for column, name in enumerate(table.header):
                worksheet.write_string(0, column, name, styles.header)
            worksheet.freeze_panes(1, 0)
            return worksheet

        def close_sheet(worksheet: Any, rows: int) -> None:
            worksheet.autofilter(0, 0, rows, max(len(table.header) - 1, 0))

        sheet = new_sheet()
        for chunk in table.cells.chunks():
            for cells in chunk:
                if row_number == per_sheet:
                    close_sheet(sheet, row_number)
                    sheet, row_number = new_sheet(), 0
                row_number += 1
                styles.write_row(sheet, row_number, cells)
        close_sheet(sheet, row_number)

    def _close_staged(self) -> None:
        with self._lock:
            staged, self._staged = list(self._staged.values()), {}
        for table in staged:
            table.cells.close()


class _Styles:
    """The cell formats of one workbook (one per currency), and the typed row loop."""

    def __init__(self, workbook: Any) -> None:
        self._workbook = workbook
        self.header = workbook.add_format({"bold": True})
        self.day = workbook.add_format({"num_format": DATE_FORMAT})
        self.instant = workbook.add_format({"num_format": INSTANT_FORMAT})
        self.stamp = workbook.add_format({"num_format": STAMP_FORMAT})
        self._currencies: dict[str, Any] = {}

    def currency(self, code: str) -> Any:
        style = self._currencies.get(code)
        if style is None:
            style = self._workbook.add_format({"num_format": f"[${code}] #,##0.00"})
            self._currencies[code] = style
        return style

    def write_row(self, sheet: Any, row: int, cells: Sequence[Cell]) -> None:
        for column, cell in enumerate(cells):
            if cell is None:
                continue
            if cell.__class__ is str:
                sheet.write_string(row, column, cell)
            elif isinstance(cell, bool):
                sheet.write_boolean(row, column, cell)
            elif isinstance(cell, float):
                sheet.write_number(row, column, cell)
            elif isinstance(cell, datetime):
                sheet.write_datetime(row, column, cell, self.stamp)
            elif isinstance(cell, date):
                sheet.write_datetime(row, column, cell, self.day)
            elif isinstance(cell, tuple) and cell[0] == "t":
                sheet.write_datetime(row, column, cell[1], self.instant)
            elif isinstance(cell, tuple) and len(cell) == 3:
                sheet.write_number(row, column, cell[1], self.currency(cell[2]))
            else:
                sheet.write_string(row, column, str(cell))


@dataclass(frozen=True)
class XlsxFormat:
    """The workbook :class:`~ocm_tool.output.TableFormat`: ``workbook`` in the run folder, a
    sheet per table, ``max_rows`` data rows per sheet (Excel's limit less the header)."""

    workbook: str = WORKBOOK_NAME
    max_rows: int = SHEET_ROWS - 1
    #: Text cells a spreadsheet would read as formulas get a leading ``'`` (``output.cells``).
    escape_formulas: bool = False
    name: ClassVar[str] = "xlsx"

    @property
    def run_file(self) -> str:
        return self.workbook

    def table_name(self, stem: str) -> str:
        return f"{self.workbook}: {sheet_name(stem)}"

    def open(self, folder: Path, stems: Sequence[str]) -> WorkbookRun:
        return WorkbookRun(self, Path(folder), list(stems))
