"""The vocabulary of import targets: records, the index that joins them, fields and sources.

A :class:`Record` is one row of an entity's table (header -> typed value) with the
:class:`Index` of the run, through which it reaches the records it links to (a contact's
company, a deal's contacts, a post's parent). A :class:`Field` is one column of a target
file: its header, the entity headers it reads (so a README can say what did not map), and
``get(record) -> Value``. The source constructors below are the only code; the targets
(``tables.py``) are tables of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ocm_tool.export.templates import Template
from ocm_tool.output.values import Amount, Links, Stamp, Value, text_of

if TYPE_CHECKING:
    from ocm_tool.export.links import LinkKind
    from ocm_tool.output import TableWriter

#: Mail domains of free providers: a company's address there says nothing of its domain.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "seznam.cz",
        "email.cz",
        "centrum.cz",
        "qq.com",
        "163.com",
        "126.com",
        "example.com",
    }
)
_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _host(url: str) -> str:
    text = url.strip()
    if not text:
        return ""
    parts = urlsplit(text if "//" in text else f"//{text}")
    host = (parts.hostname or "").casefold()
    host = host.removeprefix("www.")
    return host if _HOST.match(host) else ""


def domain_of(web_page: str, emails: Sequence[str]) -> str:
    """A company's domain: its web page's host (without ``www.``), else the domain of its
    first e-mail address that is not at a free mail provider; empty when neither."""
    host = _host(web_page)
    if host:
        return host
    for address in emails:
        _, at, domain = address.strip().rpartition("@")
        domain = domain.casefold()
        if at and _HOST.match(domain) and domain not in FREE_MAIL_DOMAINS:
            return domain
    return ""


def texts(value: Value) -> tuple[str, ...]:
    """A value as its texts: a tuple's or links' items, one text, or none."""
    if isinstance(value, tuple):
        return tuple(v for v in value if v)
    if isinstance(value, Links):
        return value.targets
    text = text_of(value)
    return (text,) if text else ()


class Index:
    """The records of a run that others link to: companies, contacts and deals by XrmId
    (case-insensitive), companies also by name; and the run's templates."""

    def __init__(self, templates: Mapping[LinkKind, Template]) -> None:
        self.templates = templates
        self.companies: dict[str, Record] = {}
        self.company_names: dict[str, Record] = {}
        self.contacts: dict[str, Record] = {}
        self.deals: dict[str, Record] = {}
        #: Companies some contact row names (a company without contacts gets its own row
        #: where contacts and accounts share a file).
        self.companies_with_contacts: set[str] = set()

    def add_company(self, record: Record) -> None:
        key = record.text("XrmId").casefold()
        if key:
            self.companies[key] = record
        name = record.text("DisplayName").casefold()
        if name:
            self.company_names.setdefault(name, record)

    def company_of(self, record: Record, links: str, name: str | None = None) -> Record | None:
        """The company a record links to in its column ``links`` (the first one found), else
        the company named in its column ``name``."""
        for target in texts(record.get(links)):
            company = self.companies.get(target.casefold())
            if company is not None:
                return company
        if name:
            return self.company_names.get(record.text(name).casefold())
        return None

    def linked(self, record: Record, links: str, kind: str) -> list[Record]:
        table = {"contact": self.contacts, "company": self.companies, "deal": self.deals}[kind]
        found = (table.get(t.casefold()) for t in texts(record.get(links)))
        return [r for r in found if r is not None]

    def parent(self, record: Record) -> tuple[str, Record | None]:
        """A post's parent: its type (``Contact``, ``Company``, ``Deal``) and record."""
        kind = record.text("ParentType").casefold()
        table = {"contact": self.contacts, "company": self.companies, "deal": self.deals}
        target = record.text("ParentLink").casefold()
        return record.text("ParentType"), table.get(kind, {}).get(target)


@dataclass
class Record:
    """One row of an entity's table, by header, and the run's :class:`Index`."""

    values: dict[str, Value]
    index: Index
    #: The custom-field columns of its table, in order.
    custom: tuple[str, ...] = ()

    def get(self, header: str) -> Value:
        return self.values.get(header)

    def text(self, header: str) -> str:
        return text_of(self.values.get(header))

    def first(self, header: str) -> str:
        found = texts(self.values.get(header))
        return found[0] if found else ""

    def item(self, header: str, position: int) -> str:
        found = texts(self.values.get(header))
        return found[position] if position < len(found) else ""

    @property
    def company_domain(self) -> str:
        """This company record's domain (see :func:`domain_of`)."""
        return domain_of(self.text("BusinessHomePage"), texts(self.get("EmailAddress")))

    @property
    def full_name(self) -> str:
        parts = (self.text(h) for h in ("GivenName", "MiddleName", "LastName"))
        return " ".join(p for p in parts if p) or self.text("DisplayName")


Get = Callable[[Record], Value]


@dataclass(frozen=True)
class Field:
    """One column of a target file: ``header``, the entity headers it ``reads``, ``get``.

    ``about`` says where the value comes from (the README's mapping table); by default the
    headers read.
    """

    header: str
    reads: tuple[str, ...]
    get: Get
    about: str = ""

    @property
    def source(self) -> str:
        return self.about or " + ".join(self.reads)


# --- sources ---------------------------------------------------------------------------------


def col(header: str, source: str | None = None) -> Field:
    """The entity column ``source`` (default: the same header) as it is."""
    name = source or header
    return Field(header, (name,), lambda r: r.get(name))


def item(header: str, source: str, position: int) -> Field:
    """The ``position``-th of a multi-valued column (phones, addresses)."""
    return Field(
        header, (source,), lambda r: r.item(source, position), f"{source} (value {position + 1})"
    )


def joined(header: str, source: str, separator: str) -> Field:
    """Every value of a multi-valued column joined with ``separator``."""
    return Field(header, (source,), lambda r: separator.join(texts(r.get(source))))


def const(header: str, value: str) -> Field:
    return Field(header, (), lambda r: value, f'"{value}"')


def empty(header: str) -> Field:
    """A header of the product's format that OCM has nothing for."""
    return Field(header, (), lambda r: None, "(empty)")


def first_of(header: str, *sources: str) -> Field:
    """The first non-empty of several columns."""

    def get(r: Record) -> Value:
        return next((r.get(s) for s in sources if r.text(s)), None)

    return Field(header, sources, get, " or ".join(sources))


def day(header: str, source: str) -> Field:
    """A date or timestamp column as the day it names (``yyyy-MM-dd``)."""

    def get(r: Record) -> Value:
        value = r.get(source)
        moment = value.moment if isinstance(value, Stamp) else value
        if isinstance(moment, datetime):
            return moment.date()
        return moment if isinstance(moment, date) else r.text(source)

    return Field(header, (source,), get, f"{source} (its day)")


def amount_value(header: str, source: str = "Amount") -> Field:
    """An amount as a plain number, rounded to the cent (``12500``, ``980.5``)."""

    def get(r: Record) -> Value:
        value = r.get(source)
        return value.value.quantize(Decimal("0.01")) if isinstance(value, Amount) else None

    return Field(header, (source,), get, f"{source} (the number)")


def amount_currency(header: str, source: str = "Amount") -> Field:
    """An amount's ISO currency code."""

    def get(r: Record) -> Value:
        value = r.get(source)
        return value.currency if isinstance(value, Amount) else None

    return Field(header, (source,), get, f"{source} (the currency code)")


def derived(header: str, reads: tuple[str, ...], get: Get, about: str) -> Field:
    """Any other function of the record (a company's domain, a linked record's column)."""
    return Field(header, reads, get, about)


def company_column(header: str, source: str, links: str, name: str | None = None) -> Field:
    """A column of the company the record links to (``links``; else named in ``name``)."""

    def get(r: Record) -> Value:
        company = r.index.company_of(r, links, name)
        return company.get(source) if company else None

    return Field(header, (links,), get, f"the linked company's {source}")


def company_domain(header: str, links: str, name: str | None = None) -> Field:
    def get(r: Record) -> Value:
        company = r.index.company_of(r, links, name)
        return company.company_domain if company else None

    return Field(header, (links,), get, "the linked company's domain")


def company_name(header: str, links: str, fallback: str | None = None) -> Field:
    """The linked company's name; else the record's own ``fallback`` column."""

    def get(r: Record) -> Value:
        company = r.index.company_of(r, links, fallback)
        if company is not None:
            return company.get("DisplayName")
        return r.get(fallback) if fallback else None

    return Field(header, (links, *((fallback,) if fallback else ())), get, "the company's name")


# --- files and targets -----------------------------------------------------------------------


class CustomColumns(Protocol):
    """How a target names the columns of custom fields: header -> the target's headers and
    the values for one record."""

    def headers(self, custom: Sequence[str]) -> list[str]: ...

    def values(self, record: Record) -> list[Value]: ...


@dataclass(frozen=True)
class Named:
    """A column per custom field, headed by ``pattern`` (``{label}``; Salesforce API names
    with ``api=True``: ``Region__c``); a header the file already has gets `` (OCM)``."""

    pattern: str = "{label}"
    api: bool = False

    def name(self, label: str) -> str:
        if self.api:
            label = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]", "_", label)).strip("_") or "Field"
            if not label[0].isalpha():
                label = f"X{label}"
        return self.pattern.format(label=label)

    def headers(self, custom: Sequence[str]) -> list[str]:
        return [self.name(label) for label in custom]

    def values(self, record: Record) -> list[Value]:
        return [record.get(label) for label in record.custom]


@dataclass(frozen=True)
class LabelValuePairs:
    """Google's ``Custom Field N - Label`` / ``Custom Field N - Value`` pairs."""

    def headers(self, custom: Sequence[str]) -> list[str]:
        return [
            f"Custom Field {n} - {part}"
            for n in range(1, len(custom) + 1)
            for part in ("Label", "Value")
        ]

    def values(self, record: Record) -> list[Value]:
        out: list[Value] = []
        for label in record.custom:
            value = record.get(label)
            out += [label if text_of(value) else None, value]
        return out


@dataclass(frozen=True)
class Slots:
    """Fixed columns of the format (Outlook's ``User 1`` ... ``User 4``) for the first custom
    fields, as ``Label: value``; what does not fit is added to the ``overflow`` field."""

    slots: tuple[str, ...]
    overflow: str

    def headers(self, custom: Sequence[str]) -> list[str]:
        return []  # the slots are headers of the file already

    def values(self, record: Record) -> list[Value]:
        return []

    def fill(self, record: Record, row: dict[str, Value]) -> None:
        pairs = [
            f"{label}: {text_of(record.get(label))}"
            for label in record.custom
            if text_of(record.get(label))
        ]
        for slot, pair in zip(self.slots, pairs, strict=False):
            row[slot] = pair
        rest = pairs[len(self.slots) :]
        if rest:
            before = text_of(row.get(self.overflow))
            row[self.overflow] = "\n".join([before, *rest] if before else rest)


@dataclass(frozen=True)
class Unassociated:
    """A record that the product cannot associate: its file, kind, id, name and why."""

    file: str
    record: str
    ocm_id: str
    name: str
    reason: str


#: ``check(record) -> reason`` or None: why a row's record cannot be associated.
Check = Callable[[Record], str | None]


@dataclass(frozen=True)
class TargetFile:
    """One file of a target: its name, the entity whose rows make its rows, its fields.

    ``extra_rows`` adds rows after the entity's (companies without contacts, where accounts
    and contacts share a file); ``check`` finds the rows that cannot be associated.
    """

    name: str
    entity: str
    fields: tuple[Field, ...]
    custom: CustomColumns | Slots | None = None
    extra_rows: Callable[[Index], Iterator[Record]] | None = None
    check: Check | None = None

    def header(self, custom: Sequence[str]) -> list[str]:
        own = [f.header for f in self.fields]
        if isinstance(self.custom, Slots) or self.custom is None:
            return own
        taken = set(own)
        extra = []
        for name in self.custom.headers(custom):
            while name in taken:
                name = f"{name} (OCM)"
            taken.add(name)
            extra.append(name)
        return own + extra

    def row(self, record: Record) -> list[Value]:
        values = {f.header: f.get(record) for f in self.fields}
        if isinstance(self.custom, Slots):
            self.custom.fill(record, values)
        row = list(values.values())
        if self.custom is not None and not isinstance(self.custom, Slots):
            row += self.custom.values(record)
        return row


@dataclass(frozen=True)
class Target:
    """A product to import into: its ``--import-for`` name, its title, its files.

    ``zip_name``: the files go into one zip (Dynamics' import wizard takes several files as
    one zip). ``joins``: the entities its files look records up in (a contact's company).
    The README is ``readme/<name>.txt``.
    """

    name: str
    title: str
    files: tuple[TargetFile, ...]
    zip_name: str | None = None
    joins: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return f"import/{self.name}"

    @property
    def needs(self) -> tuple[str, ...]:
        """The entity keys whose rows the target's files are made from or look records up in."""
        return tuple(sorted({f.entity for f in self.files} | set(self.joins)))

    def open(self, folder: Path) -> ImportRun:
        from ocm_tool.export.targets.writer import TargetRun

        return TargetRun(self, folder)


@dataclass(frozen=True)
class ImportFile:
    """A file written for a target: its path in the run folder, rows and SHA-256."""

    name: str
    rows: int | None
    sha256: str


class ImportRun(Protocol):
    """A target's files for one run (a context manager): :meth:`table` keeps the rows of the
    tables it needs (``None`` for the others); :meth:`finish` writes the files."""

    def __enter__(self) -> ImportRun: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def table(self, stem: str, header: Sequence[str]) -> TableWriter | None: ...

    def finish(self, templates: Mapping[LinkKind, Template]) -> list[ImportFile]: ...
