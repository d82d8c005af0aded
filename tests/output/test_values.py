"""Typed cell values and their text form: the rules the CSV files are written by."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ocm_tool.output.csv import CsvFormat
from ocm_tool.output.values import Amount, Links, Stamp, Value, parse_timestamp, text_of


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Müller", "Müller"),
        (None, ""),
        (True, "True"),
        (False, "False"),
        (7, "7"),
        (Decimal("12.50"), "12.5"),
        (Decimal("0.0"), "0"),
        (Decimal("1E+2"), "100"),
        (date(2024, 3, 1), "2024-03-01"),
        (datetime(2020, 2, 3, 10, 15, 30, 129999, tzinfo=UTC), "2020-02-03T10:15:30.12Z"),
        (datetime(2020, 2, 3, 10, 15, 30, tzinfo=UTC), "2020-02-03T10:15:30.00Z"),
        (Amount(Decimal("12500"), "EUR"), "EUR 12,500.00"),
        (Amount(Decimal("0.005"), "USD"), "USD 0.01"),
        (Stamp("2019-05-01T08:00:00Z"), "2019-05-01T08:00:00Z"),
        (Links("contact", ("a", "b")), "a|b"),
        (("+420 1", "", "+420 2"), "+420 1|+420 2"),
    ],
)
def test_text_form(value: Value, text: str) -> None:
    assert text_of(value) == text


def test_a_value_of_no_known_type_is_refused() -> None:
    with pytest.raises(TypeError, match="not a cell value"):
        text_of(1.5)  # type: ignore[arg-type]  # deliberately not a Value: the refusal is tested


def test_a_stamp_keeps_the_text_and_knows_the_instant() -> None:
    stamp = Stamp("2020-02-04T01:00:00.5+02:00")
    assert stamp.moment == datetime(2020, 2, 3, 23, 0, 0, 500000, tzinfo=UTC)
    assert Stamp("soon").moment is None
    assert parse_timestamp("2020-02-03") == datetime(2020, 2, 3, tzinfo=UTC)


def test_file_names_are_the_stem_and_the_formats_suffix() -> None:
    assert CsvFormat().table_name("Contacts") == "Contacts.csv"


def test_enums_are_written_as_their_values() -> None:
    from enum import IntEnum, StrEnum

    class Status(StrEnum):
        OK = "ok"

    class Code(IntEnum):
        USAGE = 2

    assert (text_of(Status.OK), text_of(Code.USAGE)) == ("ok", "2")
