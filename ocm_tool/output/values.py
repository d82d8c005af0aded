"""The typed values a table cell holds, and their text form.

The export's columns (``ocm_tool.export.entities``) turn API values into these; writers turn
them into what their format stores: text for CSV (:func:`text_of`, the rules of the script's
files), typed cells for a workbook. A value is one of:

=====================  ==========================================  ==========================
value                  what                                        text form
=====================  ==========================================  ==========================
``str``                text, or a value that fits no rule          as given
``None``               nothing                                     empty
``bool``               ``True`` / ``False``                        ``True`` / ``False``
``int``, ``Decimal``   a number                                    shortest exact (``12.5``)
``date``               a day (UTC)                                 ``yyyy-MM-dd``
``datetime``           an instant (UTC), e.g. an event time        ``yyyy-MM-ddTHH:mm:ss.ffZ``
:class:`Amount`        an amount in a currency                     ``EUR 12,500.00``
:class:`Stamp`         a timestamp kept as the server wrote it     as sent
:class:`Links`         XrmIds of linked records of one kind        ``id1|id2``
``tuple[str, ...]``    several texts (phones, addresses)           non-empty ones ``|``-joined
=====================  ==========================================  ==========================
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

#: Multi-valued cells are joined with this (as the script joined them).
SEPARATOR = "|"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of money: ``value`` in ``currency`` (ISO 4217)."""

    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Links:
    """Links to records of one ``kind`` (contact, company, deal): their XrmIds, in order."""

    kind: str
    targets: tuple[str, ...]


#: ``yyyy-MM-ddTHH:mm:ss``, an optional fraction (any number of digits), an optional offset.
_TIMESTAMP = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)"
    r"(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_timestamp(value: str) -> datetime | None:
    """The instant an ISO 8601 text names, in UTC (no offset: UTC, as the API's dates are);
    ``None`` when it does not parse. Fractions longer than microseconds are cut."""
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
        moment = moment.replace(tzinfo=UTC)
    fraction = match["fraction"] or ""
    return moment.astimezone(UTC).replace(microsecond=int((fraction + "000000")[:6]))


@dataclass(frozen=True, slots=True)
class Stamp:
    """A timestamp written as the server sent it (``text``); :attr:`moment` is the instant it
    names, for formats that store dates as dates."""

    text: str

    @property
    def moment(self) -> datetime | None:
        return parse_timestamp(self.text)


Value = (
    str | bool | int | Decimal | date | datetime | Amount | Stamp | Links | tuple[str, ...] | None
)


def decimal_text(number: Decimal) -> str:
    """The shortest exact decimal form: ``50``, ``12.5``, ``0.0000001``."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def amount_text(amount: Amount) -> str:
    """``EUR 12,500.00``: the code, thousands separators, 2 decimals (half up)."""
    return f"{amount.currency} {amount.value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def instant_text(moment: datetime) -> str:
    """UTC, ``yyyy-MM-ddTHH:mm:ss.ffZ``: the fraction cut (not rounded) to 2 digits."""
    return f"{moment.strftime('%Y-%m-%dT%H:%M:%S')}.{moment.microsecond:06d}"[:22] + "Z"


def _joined(values: tuple[str, ...]) -> str:
    return SEPARATOR.join(value for value in values if value)


_TEXT: dict[type, Callable[[Any], str]] = {
    str: str,
    type(None): lambda _: "",
    bool: lambda value: "True" if value else "False",
    int: str,
    Decimal: decimal_text,
    datetime: instant_text,
    date: lambda day: day.strftime("%Y-%m-%d"),
    Amount: amount_text,
    Stamp: lambda stamp: stamp.text,
    Links: lambda links: SEPARATOR.join(links.targets),
    tuple: _joined,
}


def text_of(value: Value) -> str:
    """The text form of a value (see the module's table)."""
    if value.__class__ is str:  # most cells: no lookup
        return value  # type: ignore[return-value]
    render = _TEXT.get(type(value))
    if render is not None:
        return render(value)
    # A subclass (a StrEnum status, an IntEnum): the nearest known base decides.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__repr__(value)
    raise TypeError(f"not a cell value: {value!r}")
