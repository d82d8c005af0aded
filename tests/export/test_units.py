"""The pieces without a server: the run folder, tie ordering, value rules, progress."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ocm_tool.export import cells
from ocm_tool.export.entities import Template, custom_headers
from ocm_tool.export.run import TieOrder
from ocm_tool.output.rundir import make_run_dir
from ocm_tool.output.values import text_of


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
