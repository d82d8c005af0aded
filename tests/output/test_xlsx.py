"""The workbook format: typed cells, strings that stay strings, long tables and long texts,
sheet names, and a file that appears whole or not at all. Read back with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

import openpyxl
import pytest

from ocm_tool.output.values import Amount, Links, Stamp, Value
from ocm_tool.output.xlsx import CELL_CHARACTERS, XlsxFormat, numbered, sheet_name


def write_workbook(
    folder: Path,
    tables: Sequence[tuple[str, list[str], list[list[Value]]]],
    *,
    max_rows: int | None = None,
) -> dict[str, object]:
    """Write ``tables`` (stem, header, rows) in one run; return what each commit said."""
    xlsx = XlsxFormat() if max_rows is None else XlsxFormat(max_rows=max_rows)
    committed: dict[str, object] = {}
    with xlsx.open(folder, [stem for stem, _, _ in tables]) as run:
        for stem, header, rows in reversed(tables):  # the workbook keeps the run's order
            with run.table(stem, header) as table:
                table.write(rows)
                committed[stem] = table.commit()
        written = run.finish()
    assert written is not None
    committed["file"] = written
    return committed


def cells(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


class Status(StrEnum):
    OK = "ok"


def test_cells_are_typed_from_the_typed_values(tmp_path: Path) -> None:
    row: list[Value] = [
        "Müller & Söhne",
        True,
        Decimal("12.5"),
        7,
        date(2020, 6, 30),
        datetime(2020, 2, 4, 8, 0, 0, 990000, tzinfo=UTC),
        Stamp("1985-04-12T01:00:00+02:00"),
        Stamp("not a date"),
        Amount(Decimal("12500"), "EUR"),
        Amount(Decimal("1234567.89"), "CZK"),
        Links("contact", ("c1", "c2")),
        ("+49 1", "", "+49 2"),
        None,
        "",
        Status.OK,
    ]
    header = [f"C{n}" for n in range(len(row))]
    committed = write_workbook(tmp_path, [("Mixed", header, [row])])
    book = openpyxl.load_workbook(tmp_path / "OCM-Export.xlsx")
    assert book.sheetnames == ["Mixed"]
    sheet = book["Mixed"]
    assert cells(sheet)[0] == header
    values = cells(sheet)[1]
    assert values[:4] == ["Müller & Söhne", True, 12.5, 7]
    assert values[4] == datetime(2020, 6, 30)
    assert sheet.cell(2, 5).number_format == "yyyy-mm-dd"
    assert abs((values[5] - datetime(2020, 2, 4, 8, 0, 0, 990000)).total_seconds()) < 0.001  # type: ignore[operator]
    assert sheet.cell(2, 6).number_format == "yyyy-mm-dd hh:mm:ss.00"
    assert sheet.cell(2, 7).number_format == "yyyy-mm-dd hh:mm:ss"
    assert values[6] == datetime(1985, 4, 11, 23, 0)  # UTC
    assert values[7] == "not a date"  # a stamp that names no instant stays its text
    assert values[8:10] == [12500, 1234567.89]
    assert sheet.cell(2, 9).number_format == "[$EUR] #,##0.00"
    assert sheet.cell(2, 10).number_format == "[$CZK] #,##0.00"
    assert values[10:] == ["c1|c2", "+49 1|+49 2", None, None, "ok"]
    assert [sheet.cell(2, n + 1).data_type for n in range(4)] == ["s", "b", "n", "n"]
    assert committed["Mixed"].rows == 1  # type: ignore[attr-defined]


def test_strings_stay_strings_whatever_they_look_like(tmp_path: Path) -> None:
    risky = [
        '=HYPERLINK("http://evil.example","click")',
        "+SUM(A1:A9)",
        "-2+3",
        "@cmd",
        "=1+1",
        "https://contoso.example/crm",
        "mailto:alice@contoso.com",
        "0042",
        "1e5",
        "TRUE",
        "2020-06-30",
    ]
    write_workbook(tmp_path, [("Risky", ["Text"], [[text] for text in risky])])
    book = openpyxl.load_workbook(tmp_path / "OCM-Export.xlsx")
    sheet = book["Risky"]
    got = [(cell.value, cell.data_type, cell.hyperlink) for (cell,) in sheet.iter_rows(min_row=2)]
    assert got == [(text, "s", None) for text in risky]


def test_header_frozen_filtered_and_columns_sized(tmp_path: Path) -> None:
    rows: list[list[Value]] = [["short", "x" * 200], ["a longer text here", "y"]]
    write_workbook(tmp_path, [("Sized", ["A", "Wide"], rows)])
    sheet = openpyxl.load_workbook(tmp_path / "OCM-Export.xlsx")["Sized"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width == pytest.approx(len("a longer text here"), abs=1)
    assert sheet.column_dimensions["B"].width == pytest.approx(60, abs=1)  # capped


def test_a_long_table_continues_on_numbered_sheets(tmp_path: Path) -> None:
    rows: list[list[Value]] = [[f"r{n}", n] for n in range(7)]
    committed = write_workbook(tmp_path, [("Contacts", ["Name", "N"], rows)], max_rows=3)
    book = openpyxl.load_workbook(tmp_path / "OCM-Export.xlsx")
    assert book.sheetnames == ["Contacts", "Contacts (2)", "Contacts (3)"]
    assert committed["Contacts"].parts == ("Contacts", "Contacts (2)", "Contacts (3)")  # type: ignore[attr-defined]
    read = []
    for name in book.sheetnames:
        sheet_rows = cells(book[name])
        assert sheet_rows[0] == ["Name", "N"]  # every sheet has the header
        assert len(sheet_rows) <= 4
        assert book[name].freeze_panes == "A2"
        read += sheet_rows[1:]
    assert read == rows


def test_a_text_over_excels_limit_is_cut_in_the_workbook_and_counted(tmp_path: Path) -> None:
    long = "é" * (CELL_CHARACTERS + 10)
    committed = write_workbook(tmp_path, [("Notes", ["Text", "Other"], [[long, long], ["ok", ""]])])
    assert committed["Notes"].cut_cells == 2  # type: ignore[attr-defined]
    sheet = openpyxl.load_workbook(tmp_path / "OCM-Export.xlsx")["Notes"]
    assert sheet["A2"].value == long[:CELL_CHARACTERS]


def test_sheets_in_the_runs_order_with_excel_safe_unique_names(tmp_path: Path) -> None:
    stems = ["Contacts", "History", "A/B:C", "x" * 40]
    write_workbook(tmp_path, [(stem, ["H"], [["v"]]) for stem in stems])
    book = openpyxl.load_workbook(tmp_path / "OCM-Export.xlsx")
    assert book.sheetnames == ["Contacts", "History_", "A_B_C", "x" * 31]
    assert sheet_name("'quoted'") == "quoted"
    assert numbered("y" * 31, 12) == "y" * 26 + " (12)"


def test_nothing_is_left_when_the_run_does_not_finish(tmp_path: Path) -> None:
    def interrupted() -> None:
        with XlsxFormat().open(tmp_path, ["T"]) as run:
            with run.table("T", ["H"]) as table:
                table.write([["personal data"]])
                table.commit()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert list(tmp_path.iterdir()) == []  # no workbook, no staged rows, no .partial


def test_a_table_left_uncommitted_gets_no_sheet(tmp_path: Path) -> None:
    with XlsxFormat().open(tmp_path, ["Good", "Bad"]) as run:
        with run.table("Good", ["H"]) as table:
            table.write([["kept"]])
            table.commit()

        def download_fails() -> None:
            with run.table("Bad", ["H"]) as table:
                table.write([["half"]])
                raise RuntimeError("the download failed")

        with pytest.raises(RuntimeError):
            download_fails()
        written = run.finish()
    assert written is not None and written.path.name == "OCM-Export.xlsx"
    book = openpyxl.load_workbook(written.path)
    assert book.sheetnames == ["Good"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["OCM-Export.xlsx"]


def test_no_table_committed_writes_no_workbook(tmp_path: Path) -> None:
    with XlsxFormat().open(tmp_path, ["T"]) as run:
        assert run.finish() is None
    assert list(tmp_path.iterdir()) == []
