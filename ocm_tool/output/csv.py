"""The CSV format: RFC 4180 files written in chunks, as OCM-Script.ps1's ``Export-Csv`` wrote them.

A file per table: ``CsvFormat().open(folder, stems).table("Contacts", header)`` writes
``folder/Contacts.csv``; the format has no file of its own for the run.

Dialect (the one CSV dialect of ocm-tool, also used by the purge report): comma, every field
quoted, quotes doubled, CRLF line ends, embedded newlines kept inside quotes; ``utf-8-sig``
writes the BOM once (so Excel reads UTF-8), ``utf-8`` none. Values become text by
:func:`~ocm_tool.output.values.text_of`, then pass :class:`~ocm_tool.output.cells.CellText`
(formula cells counted, and neutralised with ``escape_formulas``; lone surrogates replaced and
counted). Rows are encoded with pandas a chunk at a time and
appended to an :class:`~ocm_tool.output.atomic.AtomicFile`, so memory stays flat.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Final, Self

import pandas as pd

from ocm_tool.output import WrittenTable
from ocm_tool.output.atomic import AtomicFile, WrittenFile
from ocm_tool.output.cells import FORMULA_STARTS, TEXT_VALUES, CellText
from ocm_tool.output.values import Value, text_of

ENCODINGS = ("utf-8-sig", "utf-8")
#: The dialect, as ``csv`` and pandas both take it.
DIALECT: Final[dict[str, Any]] = {"quoting": csv.QUOTE_ALL, "lineterminator": "\r\n"}


def encode_rows(columns: Sequence[str], rows: Sequence[Sequence[str]], *, header: bool) -> str:
    """The CSV text of ``rows`` of texts (and the header line when ``header``)."""
    frame = pd.DataFrame(list(rows), columns=list(columns), dtype=object)
    return frame.to_csv(index=False, header=header, na_rep="", **DIALECT)


class CsvWriter:
    """One CSV file written atomically (a :class:`~ocm_tool.output.TableWriter`).

    ``exclusive=False`` lets a file be rewritten in place (a report); see ``AtomicFile``.
    ``escape_formulas``: text cells a spreadsheet would run as formulas get a leading ``'``
    (they are counted either way: ``cells.formulas``).
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        *,
        encoding: str = "utf-8-sig",
        exclusive: bool = True,
        escape_formulas: bool = False,
    ) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}")
        self.path = Path(path)
        self.columns = list(columns)
        self.encoding = encoding
        self.rows = 0
        self.cells = CellText(escape_formulas=escape_formulas)
        self._file = AtomicFile(self.path, exclusive=exclusive)

    @property
    def partial(self) -> Path:
        """Where the file is written until it is committed."""
        return self._file.partial

    def __enter__(self) -> CsvWriter:
        self._file.__enter__()
        try:
            bom = b"\xef\xbb\xbf" if self.encoding == "utf-8-sig" else b""
            header = [self.cells.text(name) for name in self.columns]
            self._file.write(bom + self._encoded(encode_rows(header, [], header=True)))
        except BaseException:
            self._file.discard()
            raise
        return self

    def write(self, rows: Sequence[Sequence[Value]]) -> None:
        """Append a chunk of rows (each as many values as there are columns)."""
        if not rows:
            return
        texts = [[self._text(value) for value in row] for row in rows]
        self._file.write(self._encoded(encode_rows(self.columns, texts, header=False)))
        self.rows += len(rows)

    def _text(self, value: Value) -> str:
        text = text_of(value)
        if text[:1] in FORMULA_STARTS and isinstance(value, TEXT_VALUES):
            return self.cells.text(text)
        return text

    def _encoded(self, text: str) -> bytes:
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from the server: rare, so checked late
            return self.cells.encodable(text).encode("utf-8")

    def commit(self) -> WrittenTable:
        """Make the file appear under its final name; return what was written."""
        written = self._file.commit()
        return WrittenTable(
            written.path.name,
            self.rows,
            written.sha256,
            formulas=self.cells.formulas,
            replaced=self.cells.replaced,
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._file.__exit__(exc_type, exc, traceback)


@dataclass(frozen=True)
class CsvFormat:
    """The CSV :class:`~ocm_tool.output.TableFormat`: ``<stem>.csv`` files in ``encoding``;
    ``escape_formulas``: see :class:`CsvWriter`."""

    encoding: str = "utf-8-sig"
    escape_formulas: bool = False
    name: ClassVar[str] = "csv"
    suffix: ClassVar[str] = ".csv"
    run_file: ClassVar[str | None] = None

    def table_name(self, stem: str) -> str:
        return f"{stem}{self.suffix}"

    def open(self, folder: Path, stems: Sequence[str]) -> CsvRun:
        return CsvRun(self, Path(folder))


@dataclass(frozen=True)
class CsvRun:
    """CSV files in one run folder (a :class:`~ocm_tool.output.FormatRun` with no run file)."""

    format: CsvFormat
    folder: Path

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def table(self, stem: str, header: Sequence[str]) -> CsvWriter:
        path = self.folder / self.format.table_name(stem)
        return CsvWriter(
            path,
            header,
            encoding=self.format.encoding,
            escape_formulas=self.format.escape_formulas,
        )

    def finish(self) -> WrittenFile | None:
        return None
