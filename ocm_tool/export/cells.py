"""Turning API values into CSV cells, by the value rules of ``shared/spec/csv-output.md``.

Every function takes a value as the API sent it (JSON: ``None``, bool, number, string, list)
and returns the cell text; none of them raises on unexpected input: a value that does not fit
its rule is written as given, so no data is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

#: Exchange's "no value" dates.
_NO_VALUE_DATES = ("1601-01-01", "0001-01-01")

#: ``yyyy-MM-ddTHH:mm:ss``, an optional fraction (any number of digits), an optional offset.
_TIMESTAMP = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)"
    r"(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>Z|z|[+-]\d{2}:?\d{2})?$"
)


def text(value: Any) -> str:
    """Any scalar or list as a cell: ``None`` empty, booleans ``True``/``False``,
    numbers in their shortest exact form, lists ``|``-joined, strings as given."""
    if value.__class__ is str:
        return value  # type: ignore[no-any-return]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return joined(text(item) for item in value)
    return str(value)


def joined(values: Iterable[str]) -> str:
    """Non-empty values joined with ``|``, in order."""
    return "|".join(value for value in values if value)


def number(value: Any) -> str:
    """The shortest exact decimal form of a number: ``50``, ``12.5``, ``0.0000001``.

    Accepts numbers and numeric strings (extended properties are strings); anything else,
    and NaN or infinities, is written as given.
    """
    if isinstance(value, bool) or value is None:
        return text(value)
    try:
        decimal = Decimal(repr(float(value))) if not isinstance(value, int) else Decimal(value)
    except (TypeError, ValueError, InvalidOperation, OverflowError):
        return str(value)
    if not decimal.is_finite():
        return str(value)
    if decimal == 0:
        return "0"
    return format(decimal.normalize(), "f")


def boolean(value: Any) -> str:
    """``True``/``False`` for booleans and the strings ``true``/``false`` (any case)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return "True" if value.strip().lower() == "true" else "False"
    return text(value)


def is_no_value_date(value: Any) -> bool:
    """True for Exchange's "no value" dates (``1601-01-01...``, ``0001-01-01...``)."""
    return isinstance(value, str) and value.strip().startswith(_NO_VALUE_DATES)


def timestamp(value: Any) -> str:
    """A timestamp as the server sent it, except "no value" dates, which are empty."""
    return "" if is_no_value_date(value) else text(value)


def _parse(value: str) -> tuple[datetime, str] | None:
    """The instant in UTC (whole seconds) and its fraction digits as sent; None if unparseable."""
    match = _TIMESTAMP.match(value.strip())
    if match is None:
        return None
    offset = match["offset"] or ""
    if offset in ("Z", "z"):
        offset = "+00:00"
    try:
        moment = datetime.fromisoformat(match["base"].replace(" ", "T") + offset)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the API's dates are UTC
    return moment.astimezone(UTC), match["fraction"] or ""


def utc_date(value: Any) -> str:
    """The UTC date, ``yyyy-MM-dd``; empty for "no value"; as given when unparseable."""
    if value is None or is_no_value_date(value):
        return ""
    parsed = _parse(value) if isinstance(value, str) else None
    if parsed is None:
        return text(value)
    return parsed[0].strftime("%Y-%m-%d")


def event_time(value: Any) -> str:
    """UTC, ``yyyy-MM-ddTHH:mm:ss.ffZ``, the fraction cut (not rounded) to 2 digits.

    Empty for "no value"; as given when unparseable.
    """
    if value is None or is_no_value_date(value):
        return ""
    parsed = _parse(value) if isinstance(value, str) else None
    if parsed is None:
        return text(value)
    moment, fraction = parsed
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{(fraction + '00')[:2]}Z"


def amount(value: Any, currency: Any) -> str:
    """``EUR 12,500.00``: the currency code (USD when absent), thousands separators, 2 decimals.

    Empty when there is no amount; a non-numeric amount is written as given after the code.
    """
    if value is None or value == "":
        return ""
    code = currency.strip() if isinstance(currency, str) and currency.strip() else "USD"
    try:
        decimal = (
            Decimal(repr(float(value))) if not isinstance(value, (int, Decimal)) else Decimal(value)
        )
    except (TypeError, ValueError, InvalidOperation, OverflowError):
        return f"{code} {value}"
    if not decimal.is_finite():
        return f"{code} {value}"
    return f"{code} {decimal.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def is_shared(source_mailbox_guid: Any) -> str:
    """``True`` when ``SourceMailboxGuid`` is set and not all zeros, else ``False``."""
    if not isinstance(source_mailbox_guid, str):
        return "False"
    digits = source_mailbox_guid.strip("{} ").replace("-", "")
    return "True" if digits and set(digits) != {"0"} else "False"
