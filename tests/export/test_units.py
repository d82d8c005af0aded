"""The pieces without a server: the atomic CSV writer, the run folder, tie ordering, value rules."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from ocm_tool.errors import OutputError
from ocm_tool.export import cells
from ocm_tool.export.entities import Template, custom_headers
from ocm_tool.export.run import TieOrder
from ocm_tool.output.csv import CsvWriter
from ocm_tool.output.rundir import make_run_dir
from ocm_tool.output.values import text_of


def test_csv_file_is_atomic_and_counts_while_writing(tmp_path: Path) -> None:
    target = tmp_path / "X.csv"
    with CsvWriter(target, ["A", "B"], encoding="utf-8-sig") as out:
        out.write([["1", 'say "hi"'], ["2", "two\r\nlines, and a comma"]])
        assert not target.exists() and (tmp_path / "X.csv.partial").exists()
        out.write([["3", "Müller"]])
        result = out.commit()
    expected = (
        '\ufeff"A","B"\r\n"1","say ""hi"""\r\n"2","two\r\nlines, and a comma"\r\n"3","Müller"\r\n'
    )
    assert target.read_bytes() == expected.encode("utf-8")
    assert result.rows == 3
    assert result.sha256 == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert not (tmp_path / "X.csv.partial").exists()


def test_csv_file_without_rows_is_header_only(tmp_path: Path) -> None:
    with CsvWriter(tmp_path / "E.csv", ["A", "B"], encoding="utf-8") as out:
        out.commit()
    assert (tmp_path / "E.csv").read_bytes() == b'"A","B"\r\n'


def test_csv_file_left_without_commit_leaves_nothing(tmp_path: Path) -> None:
    def write_then_interrupt() -> None:
        with CsvWriter(tmp_path / "X.csv", ["A"]) as out:
            out.write([["1"]])
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_then_interrupt()
    assert list(tmp_path.iterdir()) == []


def test_csv_file_os_errors_become_output_errors(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as caught, CsvWriter(tmp_path / "missing" / "X.csv", ["A"]):
        pass
    assert caught.value.hint and "--output-dir" in caught.value.hint


def test_run_folders_never_collide(tmp_path: Path) -> None:
    now = datetime(2019, 11, 8, 11, 24, 28, 743612)
    first = make_run_dir(tmp_path / "new", "youremailaddress@contoso.com", now=now)
    second = make_run_dir(tmp_path / "new", "youremailaddress@contoso.com", now=now)
    assert first.name == "youremailaddress@contoso.com_20191108T1124287436"
    assert second.name == "youremailaddress@contoso.com_20191108T1124287437"


def test_ties_are_ordered_by_id_buffering_only_the_run() -> None:
    order = TieOrder()
    item = lambda i, t: {"Id": i, "LastModifiedDateTime": t}  # noqa: E731
    assert order.push([item("b", "1"), item("a", "1")]) == []
    assert order.push([item("c", "2"), item("z", "3")]) == [
        item("a", "1"),
        item("b", "1"),
        item("c", "2"),
    ]
    assert order.flush() == [item("z", "3")]


def test_custom_headers_never_collide() -> None:
    template = Template.from_items(
        "contact",
        [
            {
                "Template": {
                    "FieldList": [
                        {"Id": f, "Label": label, "_Type": {"Label": "Text"}}
                        for f, label in [
                            ("1", "Tier"),
                            ("2", "Tier"),
                            ("3", "Tier (2)"),
                            ("4", "Notes"),
                            ("5", "Stage"),
                        ]
                    ]
                }
            }
        ],
    )
    assert custom_headers(["Notes"], template.custom_fields) == [
        "Tier",
        "Tier (2)",
        "Tier (2) (2)",
        "Notes (custom)",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (50.0, "50"),
        ("12.50", "12.5"),
        (1e-7, "0.0000001"),
        (0, "0"),
        ("n/a", "n/a"),
        (True, "True"),
    ],
)
def test_numbers_in_shortest_exact_form(value: object, expected: str) -> None:
    assert text_of(cells.number(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-02-03T10:15:30.1299999Z", "2020-02-03T10:15:30.12Z"),
        ("2020-02-03T23:59:59.999+00:00", "2020-02-03T23:59:59.99Z"),
        ("2020-02-04T01:00:00.5+02:00", "2020-02-03T23:00:00.50Z"),
        ("0001-01-01T00:00:00Z", ""),
    ],
)
def test_event_time_is_utc_and_cut(value: str, expected: str) -> None:
    assert text_of(cells.event_time(value)) == expected


def test_progress_bars_only_on_a_terminal() -> None:
    import io

    from rich.console import Console

    from ocm_tool.ui.export_view import ExportProgress

    for terminal in (True, False):
        out = io.StringIO()
        console = Console(file=out, force_terminal=terminal, width=100, color_system=None)
        with ExportProgress(console) as progress:
            progress.add("contacts", "Contacts.csv")
            progress.update("contacts", total=4)
            progress.update("contacts", advance=4)
            progress.finish("contacts", "complete")
        text = out.getvalue()
        assert (
            ("Contacts.csv" in text and "4/4" in text and "complete" in text)
            if terminal
            else text == ""
        )
