"""``--format xlsx`` and ``--format csv,xlsx``: the workbook read back (openpyxl) equals the
CSV files cell for cell, with types; it is in the manifest like every file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from ocm_tool.emulator.server import running_emulator
from ocm_tool.output.values import decimal_text, parse_timestamp

from .conftest import (
    ALL_FILES,
    EXPECTED,
    Cli,
    cli_for,
    csv_files,
    load_tenant,
    manifest,
    read_csv,
    sha256,
)
from .test_export_files import ENTITY_KEYS, ROWS

WORKBOOK = "OCM-Export.xlsx"
#: A note longer than an Excel cell holds (32,767 characters).
LONG_NOTE = "Notiz über Dvořák, 王芳. " * 1800
#: Columns whose cells must have this type in the workbook (openpyxl's data types and formats).
TYPED = {
    ("Contacts", "IsBusinessContact"): ("b", "General"),
    ("Contacts", "BirthDay"): ("d", "yyyy-mm-dd hh:mm:ss"),
    ("Contacts", "VIP"): ("b", "General"),
    ("Contacts", "Score"): ("n", "General"),
    ("Deals", "Amount"): ("n", "[$"),
    ("Deals", "CloseDate"): ("d", "yyyy-mm-dd"),
    ("Deals", "Probability"): ("n", "General"),
    ("Deals", "Shared"): ("b", "General"),
    ("Tasks", "PercentComplete"): ("n", "General"),
    ("Tasks", "DueDate"): ("d", "yyyy-mm-dd"),
    ("Activities", "EventTime"): ("d", "yyyy-mm-dd hh:mm:ss.00"),
    ("Companies", "Employees"): ("n", "General"),
    ("Deals", "DealName"): ("s", "General"),
}


def text_of_cell(cell: openpyxl.cell.cell.Cell, csv_text: str) -> str:
    """The CSV text the workbook cell stands for (by the value rules of docs/export.md)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        if cell.number_format.startswith("[$"):
            code = cell.number_format[2:5]
            return f"{code} {Decimal(str(value)):,.2f}"
        return decimal_text(Decimal(str(value)))
    if isinstance(value, datetime):
        if cell.number_format == "yyyy-mm-dd":
            return value.strftime("%Y-%m-%d")
        moment = parse_timestamp(csv_text)
        assert moment is not None, csv_text
        assert abs((moment.replace(tzinfo=None) - value).total_seconds()) < 0.001, (csv_text, value)
        return csv_text  # the same instant (the CSV keeps the server's text)
    # Control characters (the CR of a CRLF) are stored as _xHHHH_, as Excel reads them; openpyxl
    # returns inline strings without undoing it.
    return unescape(str(value))


def before_excels_first_day(text: str) -> bool:
    """A date Excel cannot hold (before 1900-03-01): the workbook keeps its text."""
    moment = parse_timestamp(text)
    return moment is not None and moment.date() < date(1900, 3, 1)


def assert_workbook_equals_csvs(workbook: Path, run_dir: Path, names: tuple[str, ...]) -> None:
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == [name.removesuffix(".csv") for name in names]
    for name in names:
        sheet = book[name.removesuffix(".csv")]
        source = run_dir / name if (run_dir / name).exists() else EXPECTED / name
        rows = read_csv(source)
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert header == list(rows[0].keys()) if rows else header
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None
        data = list(sheet.iter_rows(min_row=2))
        assert len(data) == len(rows), name
        for row, cells in zip(rows, data, strict=True):
            for column, cell in zip(header, cells, strict=True):
                want_text = row[column][:32_767]  # what a cell holds (the rest is counted)
                assert text_of_cell(cell, row[column]) == want_text, (name, column)
                want = TYPED.get((sheet.title, column))
                if want and row[column] and not before_excels_first_day(row[column]):
                    assert cell.data_type == want[0], (name, column, cell.data_type)
                    assert cell.number_format.startswith(want[1]), (name, column)


def test_csv_and_xlsx_hold_the_same_cells_with_types(ocm: Cli) -> None:
    result = ocm.run("export-all-data", "--format", "csv,xlsx")
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    assert csv_files(run_dir) == sorted([*ALL_FILES, WORKBOOK])
    for name in ALL_FILES:  # the CSV files are unchanged by the second format
        assert (run_dir / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    assert_workbook_equals_csvs(run_dir / WORKBOOK, run_dir, ALL_FILES)
    data = manifest(run_dir)
    assert data["status"] == "complete"
    assert data["formats"] == ["csv", "xlsx"]
    assert [f["name"] for f in data["files"]] == [*ALL_FILES, WORKBOOK]
    book = data["files"][-1]
    assert book["format"] == "xlsx" and book["status"] == "complete"
    assert book["sha256"] == sha256(run_dir / WORKBOOK)
    assert [t["entity"] for t in book["tables"]] == [ENTITY_KEYS[n] for n in ALL_FILES]
    for table, name in zip(book["tables"], ALL_FILES, strict=True):
        assert table["sheets"] == [name.removesuffix(".csv")]
        assert (table["rows"], table["status"], table["cutCells"]) == (ROWS[name], "complete", 0)


def test_xlsx_alone_writes_only_the_workbook(ocm: Cli) -> None:
    result = ocm.run("export-deals-data", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    run_dir = ocm.only_run_dir()
    assert csv_files(run_dir) == [WORKBOOK]
    assert_workbook_equals_csvs(run_dir / WORKBOOK, run_dir, ("DealSchema.csv", "Deals.csv"))
    data = manifest(run_dir)
    assert data["formats"] == ["xlsx"]
    assert [f["name"] for f in data["files"]] == [WORKBOOK]
    assert [t["rows"] for t in data["files"][0]["tables"]] == [2, 4]
    assert "OCM-Export.xlsx: Deals" in result.output


def test_format_repeated_or_unknown(ocm: Cli) -> None:
    assert ocm.run("export-deal-templates", "--format", "xlsx", "--format", "csv").exit_code == 0
    assert csv_files(ocm.only_run_dir()) == ["DealSchema.csv", WORKBOOK]
    refused = ocm.run("export-deal-templates", "--format", "csv,pdf")
    assert refused.exit_code == 2
    assert "formats are csv, xlsx" in refused.output


@pytest.fixture
def risky(tmp_path: Path) -> Iterator[Cli]:
    """A private emulator whose contact and deal texts look like formulas and links."""
    tenant = load_tenant()
    alice = tenant["mailboxes"][0]
    alice["contacts"][0]["DisplayName"] = '=HYPERLINK("http://evil.example","click me")'
    alice["contacts"][0]["JobTitle"] = "+SUM(A1:A9)"
    alice["contacts"][0]["Notes"] = "@cmd|' /C calc'!A0"
    alice["deals"][0]["Name"] = "-2+3"
    alice["contacts"][1]["Notes"] = LONG_NOTE
    with running_emulator(tenant) as handle:
        yield cli_for(handle, tmp_path)


def test_formula_looking_strings_stay_strings(risky: Cli) -> None:
    result = risky.run("export-all-data", "--format", "csv,xlsx")
    assert result.exit_code == 0, result.output
    run_dir = risky.only_run_dir()
    book = openpyxl.load_workbook(run_dir / WORKBOOK)
    contacts = {c.value: c for row in book["Contacts"].iter_rows(min_row=2) for c in row}
    for text in ('=HYPERLINK("http://evil.example","click me")', "+SUM(A1:A9)"):
        assert text in contacts and contacts[text].data_type == "s"
        assert contacts[text].hyperlink is None
    deals = [c for row in book["Deals"].iter_rows(min_row=2) for c in row if c.value == "-2+3"]
    assert len(deals) == 1 and deals[0].data_type == "s"
    names = [r["DisplayName"] for r in read_csv(run_dir / "Contacts.csv")]
    assert '=HYPERLINK("http://evil.example","click me")' in names  # the CSV keeps it as given
    assert_workbook_equals_csvs(run_dir / WORKBOOK, run_dir, ALL_FILES)


def test_a_text_too_long_for_a_cell_is_cut_in_the_workbook_only(risky: Cli) -> None:
    result = risky.run("export-contacts-data", "--format", "csv,xlsx")
    assert result.exit_code == 0, result.output
    run_dir = risky.only_run_dir()
    notes = [r["Notes"] for r in read_csv(run_dir / "Contacts.csv")]
    assert LONG_NOTE in notes  # whole in the CSV
    cells = [
        c.value
        for row in openpyxl.load_workbook(run_dir / WORKBOOK)["Contacts"].iter_rows()
        for c in row
    ]
    assert LONG_NOTE[:32_767] in cells and LONG_NOTE not in cells
    tables = manifest(run_dir)["files"][-1]["tables"]
    assert {t["entity"]: t["cutCells"] for t in tables} == {"contact-template": 0, "contacts": 1}
