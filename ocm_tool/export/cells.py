"""The value rules of OCM's data: API values as typed cell values.

Every function takes a value as the API sent it (JSON: ``None``, bool, number, string, list)
and returns a :data:`~ocm_tool.output.values.Value`; none of them raises on unexpected input:
a value that does not fit its rule is kept as text, as given, so no data is dropped silently.
The text each value is written as in a CSV file is ``output.values.text_of``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ocm_tool.output.values import (
    SEPARATOR,
    Amount,
    Stamp,
    Value,
    decimal_text,
    parse_timestamp,
)

#: Exchange's "no value" dates.
_NO_VALUE_DATES = ("1601-01-01", "0001-01-01")


def text(value: Any) -> str:
    """Any scalar or list as text: ``None`` empty, booleans ``True``/``False``, numbers in their
    shortest exact form, lists ``|``-joined (empty ones left out), strings as given."""
    if value.__class__ is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        decimal = number(value)
        return decimal if isinstance(decimal, str) else decimal_text(decimal)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return joined(text(item) for item in value)
    return str(value)


def joined(values: Iterable[str]) -> str:
    """Non-empty values joined with ``|``, in order."""
    return SEPARATOR.join(value for value in values if value)


def texts(value: Any) -> tuple[str, ...] | str:
    """A list (phones, addresses) as its non-empty texts; anything else as :func:`text`."""
    if isinstance(value, (list, tuple)):
        return tuple(t for t in (text(item) for item in value) if t)
    return text(value)


def number(value: Any) -> Decimal | str:
    """A number as the exact decimal of its shortest form (``50``, ``12.5``).

    Accepts numbers and numeric strings (extended properties are strings); anything else, and
    NaN or infinities, is kept as text.
    """
    if isinstance(value, bool) or value is None:
        return text(value)
    try:
        decimal = Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    except (TypeError, ValueError, InvalidOperation, OverflowError):
        return str(value)
    if not decimal.is_finite():
        return str(value)
    return decimal


def boolean(value: Any) -> bool | str:
    """Booleans, and the strings ``true``/``false`` (any case), as booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return text(value)


def is_no_value_date(value: Any) -> bool:
    """True for Exchange's "no value" dates (``1601-01-01...``, ``0001-01-01...``)."""
    return isinstance(value, str) and value.strip().startswith(_NO_VALUE_DATES)


def timestamp(value: Any) -> Stamp | str:
    """A timestamp kept as the server sent it; empty for "no value" dates."""
    if is_no_value_date(value) or value is None:
        return ""
    return Stamp(value) if isinstance(value, str) else text(value)


def utc_date(value: Any) -> date | str:
    """The UTC day; empty for "no value"; as given when unparseable."""
    if value is None or is_no_value_date(value):
        return ""
    moment = parse_timestamp(value) if isinstance(value, str) else None
    return text(value) if moment is None else moment.date()


def event_time(value: Any) -> datetime | str:
    """The instant in UTC (written ``yyyy-MM-ddTHH:mm:ss.ffZ``, the fraction cut to 2 digits).

    Empty for "no value"; as given when unparseable.
    """
    if value is None or is_no_value_date(value):
        return ""
    moment = parse_timestamp(value) if isinstance(value, str) else None
    return text(value) if moment is None else moment


def amount(value: Any, currency: Any) -> Value:
    """An amount in its currency (USD when absent), written ``EUR 12,500.00``.

    Empty when there is no amount; a non-numeric amount is kept as text after the code.
    """
    if value is None or value == "":
        return ""
    code = currency.strip() if isinstance(currency, str) and currency.strip() else "USD"
    decimal = number(value) if not isinstance(value, Decimal) else value
    if isinstance(decimal, str):
        return f"{code} {value}"
    return Amount(decimal, code)


def is_shared(source_mailbox_guid: Any) -> bool:
    """True when ``SourceMailboxGuid`` is set and not all zeros."""
    if not isinstance(source_mailbox_guid, str):
        return False
    digits = source_mailbox_guid.strip("{} ").replace("-", "")
    return bool(digits) and set(digits) != {"0"}
